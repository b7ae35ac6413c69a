/**
 * What both sticky assignment builders start from: the members in a fixed order, the partitions
 * each member may keep (conflicting claims settled by generation), and rack information (KIP-881).
 * The rules are the Java client's `AbstractStickyAssignor`; see DESIGN.md for the two places where
 * kafkats deliberately differs (the member order, and which generation a claim is compared with).
 */
import { useRackAwareAssignment } from './range.js';
import { NO_GENERATION, type StickyMemberData } from './sticky-user-data.js';
import { PartitionIndex, compareStrings, effectiveRack } from './topic-partitions.js';
import type { MemberSubscription, TopicPartition } from './types.js';

export interface StickyInput {
  readonly index: PartitionIndex;
  /** Member ids in string order: the one order every step iterates in, so results are reproducible. */
  readonly members: readonly string[];
  /** Each member's subscribed topics. */
  readonly topicsOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** Each member's previous partitions and generation, as its assignor variant reads them (indexed partitions only). */
  readonly memberData: ReadonlyMap<string, StickyMemberData>;
  readonly rackInfo: RackInfo;
}

export interface OwnedPartitions {
  /** True when every member subscribes to the same topics (the constrained, faster builder applies). */
  readonly allSubscriptionsEqual: boolean;
  /** Per member (in member order), the claimed partitions it may keep: conflicts settled by generation. */
  readonly owned: Map<string, TopicPartition[]>;
  /** Partitions claimed by two members of one generation: neither keeps them. */
  readonly claimedByMany: Set<TopicPartition>;
  readonly maxGeneration: number;
}

/**
 * Settles the members' claims, as Java's `allSubscriptionsEqual` does: a partition claimed by two
 * members goes to the one with the higher generation; with equal generations it is taken from
 * both. Claims on partitions the cluster does not have are dropped.
 */
export function resolveOwnedPartitions(input: StickyInput): OwnedPartitions {
  let allSubscriptionsEqual = true;
  let reference: ReadonlySet<string> | null = null;
  const owned = new Map<string, TopicPartition[]>();
  const claimedByMany = new Set<TopicPartition>();
  const ownerOf = new Map<TopicPartition, string>();
  let maxGeneration = NO_GENERATION;

  for (const member of input.members) {
    const topics = input.topicsOf.get(member)!;
    if (reference === null) {
      reference = topics;
    } else if (allSubscriptionsEqual && !sameTopics(reference, topics)) {
      allSubscriptionsEqual = false;
    }
    const data = input.memberData.get(member)!;
    maxGeneration = Math.max(maxGeneration, data.generation);
    const kept: TopicPartition[] = [];
    owned.set(member, kept);
    for (const tp of data.partitions) {
      const other = ownerOf.get(tp);
      if (other === undefined) {
        kept.push(tp);
        ownerOf.set(tp, member);
        continue;
      }
      const otherGeneration = input.memberData.get(other)!.generation;
      if (data.generation === otherGeneration) {
        claimedByMany.add(tp);
        removeFrom(owned.get(other)!, tp);
        ownerOf.set(tp, member);
      } else if (data.generation > otherGeneration) {
        kept.push(tp);
        removeFrom(owned.get(other)!, tp);
        ownerOf.set(tp, member);
      }
      // Otherwise the other member's claim is newer and stands.
    }
  }
  return { allSubscriptionsEqual, owned, claimedByMany, maxGeneration };
}

function sameTopics(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const topic of a) if (!b.has(topic)) return false;
  return true;
}

function removeFrom(list: TopicPartition[], tp: TopicPartition): void {
  const position = list.indexOf(tp);
  if (position >= 0) list.splice(position, 1);
}

/** Builds the input from the subscriptions; `readMemberData` is the assignor variant's reading of a member. */
export function buildStickyInput(
  index: PartitionIndex,
  members: ReadonlyMap<string, MemberSubscription>,
  readMemberData: (subscription: MemberSubscription) => { partitions: readonly TopicPartition[]; generation: number },
): StickyInput {
  const order = [...members.keys()].sort(compareStrings);
  const topicsOf = new Map<string, ReadonlySet<string>>();
  const memberData = new Map<string, StickyMemberData>();
  const racks = new Map<string, string>();
  for (const memberId of order) {
    const subscription = members.get(memberId)!;
    topicsOf.set(memberId, new Set(subscription.topics));
    const data = readMemberData(subscription);
    memberData.set(memberId, { partitions: index.resolve(data.partitions), generation: data.generation });
    const rack = effectiveRack(subscription.rackId);
    if (rack !== null) racks.set(memberId, rack);
  }
  return { index, members: order, topicsOf, memberData, rackInfo: new RackInfo(index, order, racks) };
}

/** Member and partition racks for rack-aware sticky assignment (KIP-881), as Java's `RackInfo`. */
export class RackInfo {
  /** Member racks; empty when rack-aware assignment is not used. */
  readonly consumerRacks: ReadonlyMap<string, string>;
  /** Replica racks per partition; empty when rack-aware assignment is not used. */
  readonly partitionRacks: ReadonlyMap<TopicPartition, ReadonlySet<string>>;
  /** Per partition, how many members are in a rack holding a replica (whenever any member has a rack). */
  private readonly membersInReplicaRacks: ReadonlyMap<TopicPartition, number>;

  constructor(index: PartitionIndex, members: readonly string[], memberRacks: ReadonlyMap<string, string>) {
    const membersByRack = new Map<string, number>();
    for (const member of members) {
      const rack = memberRacks.get(member);
      if (rack !== undefined) membersByRack.set(rack, (membersByRack.get(rack) ?? 0) + 1);
    }
    const partitionRacks = new Map<TopicPartition, ReadonlySet<string>>();
    const allPartitionRacks = new Set<string>();
    if (membersByRack.size > 0) {
      for (const tp of index.allPartitions()) {
        const racks = index.racksOf(tp);
        partitionRacks.set(tp, racks);
        for (const rack of racks) allPartitionRacks.add(rack);
      }
    }
    const rackAware = useRackAwareAssignment(new Set(membersByRack.keys()), allPartitionRacks, partitionRacks);
    this.consumerRacks = rackAware ? memberRacks : new Map();
    this.partitionRacks = rackAware ? partitionRacks : new Map();
    // Java orders unassigned partitions by this count whenever members have racks, even when it
    // then decides against rack-aware assignment; kept so that the outcome is the same.
    const counts = new Map<TopicPartition, number>();
    for (const [tp, racks] of partitionRacks) {
      let count = 0;
      for (const rack of racks) count += membersByRack.get(rack) ?? 0;
      counts.set(tp, count);
    }
    this.membersInReplicaRacks = counts;
  }

  /** True when the member has a rack and the partition has no replica there. */
  racksMismatch(member: string, tp: TopicPartition): boolean {
    const rack = this.consumerRacks.get(member);
    if (rack === undefined) return false;
    const replicaRacks = this.partitionRacks.get(tp);
    return replicaRacks === undefined || !replicaRacks.has(rack);
  }

  /** Partitions with the fewest members in their replicas' racks first (stable). */
  sortPartitionsByRackConsumers(partitions: TopicPartition[]): TopicPartition[] {
    if (this.membersInReplicaRacks.size === 0) return partitions;
    const counts = this.membersInReplicaRacks;
    return [...partitions].sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0));
  }

  /** The first position from `firstIndex` (circularly) of a member in a rack holding a replica, or -1. */
  nextRackConsumer(tp: TopicPartition, members: readonly string[], firstIndex: number): number {
    const racks = this.partitionRacks.get(tp);
    if (racks === undefined || racks.size === 0) return -1;
    for (let i = 0; i < members.length; i++) {
      const position = (firstIndex + i) % members.length;
      const rack = this.consumerRacks.get(members[position]!);
      if (rack !== undefined && racks.has(rack)) return position;
    }
    return -1;
  }
}
