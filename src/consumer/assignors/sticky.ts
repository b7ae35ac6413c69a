/**
 * The sticky assignors: 'sticky' (KIP-54, eager) and 'cooperative-sticky' (KIP-429).
 *
 * Both compute an assignment that is as balanced as possible first and keeps as many partitions
 * with their previous owners as that balance allows second (see sticky-constrained.ts and
 * sticky-general.ts). They differ in where a member's previous partitions come from:
 *
 * - 'sticky' members revoke everything before rejoining (eager), so each member sends its
 *   previous assignment and generation in its user data, in the format Java's StickyAssignor
 *   writes (kafka-python and librdkafka write the same).
 * - 'cooperative-sticky' members keep their partitions through the rebalance and send them as
 *   the subscription's owned partitions, with the generation (subscription v2+, or in the user
 *   data for older subscriptions). A partition that must change owner is left out of the new
 *   owner's assignment this time: its owner revokes it and rejoins, and the follow-up rebalance
 *   gives it to the new owner, so no partition is ever consumed by two members at once.
 */
import { constrainedAssign } from './sticky-constrained.js';
import { generalAssign } from './sticky-general.js';
import { buildStickyInput, resolveOwnedPartitions } from './sticky-input.js';
import {
  NO_GENERATION,
  decodeCooperativeUserData,
  decodeStickyUserData,
  encodeCooperativeUserData,
  encodeStickyUserData,
} from './sticky-user-data.js';
import { PartitionIndex, subscribedTopics } from './topic-partitions.js';
import type {
  ClusterView,
  GroupAssignment,
  MemberSubscription,
  PartitionAssignor,
  ReceivedAssignment,
  RebalanceProtocol,
  TopicPartition,
} from './types.js';

/** A member's previous partitions and their generation, as an assignor variant reads them. */
export interface PreviousOwnership {
  readonly partitions: readonly TopicPartition[];
  readonly generation: number;
}

export interface StickyAssignmentResult {
  readonly assignment: Map<string, TopicPartition[]>;
  /**
   * Partitions given to a member other than a current owner, with their new member (null when the
   * general builder ran: the cooperative assignor then works them out from the owned partitions).
   */
  readonly transferring: Map<TopicPartition, string> | null;
  readonly index: PartitionIndex;
}

/** Runs the sticky assignment; `readPrevious` tells where each member's previous partitions come from. */
export function stickyAssignment(
  cluster: ClusterView,
  members: ReadonlyMap<string, MemberSubscription>,
  readPrevious: (subscription: MemberSubscription) => PreviousOwnership,
): StickyAssignmentResult {
  const index = new PartitionIndex(cluster, subscribedTopics(members.values()));
  if (members.size === 0) return { assignment: new Map(), transferring: new Map(), index };
  const input = buildStickyInput(index, members, readPrevious);
  const ownership = resolveOwnedPartitions(input);
  if (ownership.allSubscriptionsEqual) {
    const transferring = new Map<TopicPartition, string>();
    return { assignment: constrainedAssign(input, ownership, transferring), transferring, index };
  }
  return { assignment: generalAssign(input, ownership), transferring: null, index };
}

function toGroupAssignment(members: ReadonlyMap<string, MemberSubscription>, assignment: Map<string, TopicPartition[]>): GroupAssignment {
  const result: GroupAssignment = new Map();
  for (const memberId of members.keys()) result.set(memberId, { partitions: assignment.get(memberId) ?? [] });
  return result;
}

export class StickyAssignor implements PartitionAssignor {
  readonly name = 'sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];
  private memberAssignment: readonly TopicPartition[] | null = null;
  private generation = NO_GENERATION;

  subscriptionUserData(): Buffer | null {
    if (this.memberAssignment === null) return null;
    return encodeStickyUserData(this.memberAssignment, this.generation);
  }

  assign(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const { assignment } = stickyAssignment(cluster, members, (subscription) => {
      // Eager members own nothing when they join; what they had is in the user data.
      const userData = subscription.userData;
      if (userData === null || userData.length === 0) return { partitions: [], generation: NO_GENERATION };
      return decodeStickyUserData(userData);
    });
    return toGroupAssignment(members, assignment);
  }

  onAssignment(assignment: ReceivedAssignment, generationId: number): void {
    this.memberAssignment = assignment.partitions.map(({ topic, partition }) => ({ topic, partition }));
    this.generation = generationId;
  }
}

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['COOPERATIVE', 'EAGER'];
  private generation = NO_GENERATION;

  subscriptionUserData(): Buffer {
    return encodeCooperativeUserData(this.generation);
  }

  assign(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const { assignment, transferring, index } = stickyAssignment(cluster, members, (subscription) => {
      if (subscription.generationId >= 0) return { partitions: subscription.ownedPartitions, generation: subscription.generationId };
      const generation = subscription.userData === null ? NO_GENERATION : decodeCooperativeUserData(subscription.userData);
      return { partitions: subscription.ownedPartitions, generation };
    });
    const moving = transferring ?? partitionsTransferringOwnership(index, members, assignment);
    for (const [tp, newOwner] of moving) {
      const partitions = assignment.get(newOwner);
      const position = partitions === undefined ? -1 : partitions.indexOf(tp);
      if (position >= 0) partitions!.splice(position, 1);
    }
    return toGroupAssignment(members, assignment);
  }

  onAssignment(_assignment: ReceivedAssignment, generationId: number): void {
    this.generation = generationId;
  }
}

/**
 * Partitions the assignment gives to a member that did not own them while some member that owned
 * them loses them: these must wait for the owner to revoke them.
 */
function partitionsTransferringOwnership(
  index: PartitionIndex,
  members: ReadonlyMap<string, MemberSubscription>,
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<TopicPartition, string> {
  const added = new Map<TopicPartition, string>();
  const revoked = new Set<TopicPartition>();
  for (const [memberId, assigned] of assignment) {
    const owned = new Set(index.resolve(members.get(memberId)?.ownedPartitions ?? []));
    const assignedSet = new Set(assigned);
    for (const tp of assigned) if (!owned.has(tp)) added.set(tp, memberId);
    for (const tp of owned) if (!assignedSet.has(tp)) revoked.add(tp);
  }
  for (const tp of [...added.keys()]) if (!revoked.has(tp)) added.delete(tp);
  return added;
}
