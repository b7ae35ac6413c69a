/**
 * What the consumer's group membership needs around the assignors, following the Java client's
 * `ConsumerCoordinator`:
 *
 * - `chooseRebalanceProtocol`: the protocol all configured assignors support, the highest wins;
 * - `joinGroupProtocols`: the JoinGroup protocol list, one subscription per assignor;
 * - `decodeGroupSubscriptions` + `computeGroupAssignment` + `encodeGroupAssignment`: the
 *   leader's work between JoinGroup and SyncGroup, with the checks Java makes (and a few more);
 * - `partitionChanges` (re-exported): what a member adds and revokes on a new assignment.
 */
import { KafkaConfigError, KafkaDecodeError, KafkaError, KafkaStateError } from '../../protocol/errors.js';
import { CONSUMER_PROTOCOL_VERSION, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import { compareTopicPartitions, topicPartitionKey } from './topic-partitions.js';
import {
  REBALANCE_PROTOCOL_ID,
  type ClusterView,
  type GroupAssignment,
  type MemberAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type RebalanceProtocol,
  type TopicPartition,
} from './types.js';

export { partitionChanges, type PartitionChanges } from './topic-partitions.js';

/**
 * The rebalance protocol for a list of assignors: among the protocols every one of them supports,
 * the highest (COOPERATIVE over EAGER). Throws `KafkaConfigError` when the list is empty, names an
 * assignor twice, or has no protocol in common (e.g. 'range' with only-cooperative custom ones).
 */
export function chooseRebalanceProtocol(assignors: readonly PartitionAssignor[]): RebalanceProtocol {
  if (assignors.length === 0) throw new KafkaConfigError('partitionAssignmentStrategy needs at least one assignor');
  const names = new Set<string>();
  for (const assignor of assignors) {
    if (typeof assignor.name !== 'string' || assignor.name === '') throw new KafkaConfigError('an assignor has no name');
    if (names.has(assignor.name)) throw new KafkaConfigError(`the assignor name '${assignor.name}' is used by more than one assignor`);
    names.add(assignor.name);
  }
  let common = new Set<RebalanceProtocol>(assignors[0]!.supportedProtocols);
  for (const assignor of assignors) common = new Set(assignor.supportedProtocols.filter((protocol) => common.has(protocol)));
  const valid = [...common].filter((protocol) => protocol in REBALANCE_PROTOCOL_ID);
  if (valid.length === 0) {
    throw new KafkaConfigError(`the assignors ${[...names].join(', ')} have no rebalance protocol in common`);
  }
  return valid.reduce((best, protocol) => (REBALANCE_PROTOCOL_ID[protocol] > REBALANCE_PROTOCOL_ID[best] ? protocol : best));
}

/** What a member tells the group about itself when it (re)joins. */
export interface MemberJoinState {
  readonly topics: readonly string[];
  /** Partitions it still owns: all of them under COOPERATIVE, none under EAGER (revoked before joining). */
  readonly ownedPartitions: readonly TopicPartition[];
  /** Its current generation, -1 when it has none. */
  readonly generationId: number;
  readonly rackId: string | null;
}

export interface JoinGroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** The JoinGroup protocols, in preference order: each assignor's name with the member's subscription. */
export function joinGroupProtocols(
  assignors: readonly PartitionAssignor[],
  state: MemberJoinState,
  version: number = CONSUMER_PROTOCOL_VERSION,
): JoinGroupProtocol[] {
  return assignors.map((assignor) => ({
    name: assignor.name,
    metadata: encodeSubscription(
      {
        topics: state.topics,
        userData: assignor.subscriptionUserData?.(state.topics) ?? null,
        ownedPartitions: state.ownedPartitions,
        generationId: state.generationId,
        rackId: state.rackId,
      },
      version,
    ),
  }));
}

/** A member as the JoinGroup response lists it to the leader. */
export interface JoinedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

/** Decodes every member's subscription; a member's undecodable bytes fail with a `KafkaDecodeError` naming it. */
export function decodeGroupSubscriptions(members: readonly JoinedMember[]): Map<string, MemberSubscription> {
  const subscriptions = new Map<string, MemberSubscription>();
  for (const member of members) {
    if (subscriptions.has(member.memberId)) throw new KafkaDecodeError(`JoinGroup lists member ${member.memberId} twice`);
    try {
      const decoded = decodeSubscription(member.metadata);
      subscriptions.set(member.memberId, {
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        topics: decoded.topics,
        userData: decoded.userData,
        ownedPartitions: decoded.ownedPartitions,
        generationId: decoded.generationId,
        rackId: decoded.rackId,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new KafkaDecodeError(`the subscription of group member ${member.memberId} cannot be decoded: ${detail}`, { cause: error });
    }
  }
  return subscriptions;
}

/**
 * Runs the assignor on the leader and checks its result: every member gets an entry (an empty one
 * if the assignor left it out), no entry names a member outside the group, no partition goes to
 * two members and, under COOPERATIVE, no partition goes to a new owner while another member still
 * owns it. A broken (user-written) assignor fails with `KafkaStateError`, never with a foreign error.
 */
export function computeGroupAssignment(
  assignor: PartitionAssignor,
  protocol: RebalanceProtocol,
  cluster: ClusterView,
  subscriptions: ReadonlyMap<string, MemberSubscription>,
): GroupAssignment {
  let raw: GroupAssignment;
  try {
    raw = assignor.assign(cluster, subscriptions);
  } catch (error) {
    if (error instanceof KafkaError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new KafkaStateError(`assignor '${assignor.name}' failed: ${detail}`);
  }
  if (!(raw instanceof Map)) throw new KafkaStateError(`assignor '${assignor.name}' did not return a Map`);
  const result: GroupAssignment = new Map();
  const ownerOf = new Map<string, string>();
  for (const [memberId, assignment] of raw) {
    if (!subscriptions.has(memberId)) {
      throw new KafkaStateError(`assignor '${assignor.name}' assigned partitions to ${memberId}, which is not in the group`);
    }
    if (typeof assignment !== 'object' || assignment === null || !Array.isArray(assignment.partitions)) {
      throw new KafkaStateError(`assignor '${assignor.name}' returned no partition list for ${memberId}`);
    }
    for (const tp of assignment.partitions) {
      const key = topicPartitionKey(tp.topic, tp.partition);
      const other = ownerOf.get(key);
      if (other !== undefined) {
        throw new KafkaStateError(`assignor '${assignor.name}' assigned ${tp.topic}-${tp.partition} to both ${other} and ${memberId}`);
      }
      ownerOf.set(key, memberId);
    }
  }
  for (const memberId of subscriptions.keys()) {
    const assignment: MemberAssignment = raw.get(memberId) ?? { partitions: [] };
    result.set(memberId, assignment);
  }
  if (protocol === 'COOPERATIVE') {
    const owned = new Map<string, readonly TopicPartition[]>();
    for (const [memberId, subscription] of subscriptions) owned.set(memberId, subscription.ownedPartitions);
    validateCooperativeAssignment(owned, result);
  }
  return result;
}

/**
 * Throws `KafkaStateError` if the assignment gives a partition to a member that did not own it
 * while a member that owned it loses it (KIP-429: such a partition must first be revoked by its
 * owner and can be assigned only in the next rebalance).
 */
export function validateCooperativeAssignment(
  owned: ReadonlyMap<string, readonly TopicPartition[]>,
  assignment: ReadonlyMap<string, MemberAssignment>,
): void {
  const added = new Map<string, TopicPartition>();
  const revoked = new Set<string>();
  for (const [memberId, memberAssignment] of assignment) {
    const ownedKeys = new Set((owned.get(memberId) ?? []).map((tp) => topicPartitionKey(tp.topic, tp.partition)));
    const assignedKeys = new Set<string>();
    for (const tp of memberAssignment.partitions) {
      const key = topicPartitionKey(tp.topic, tp.partition);
      assignedKeys.add(key);
      if (!ownedKeys.has(key)) added.set(key, tp);
    }
    for (const key of ownedKeys) if (!assignedKeys.has(key)) revoked.add(key);
  }
  const violations = [...added].filter(([key]) => revoked.has(key)).map(([, tp]) => tp);
  if (violations.length > 0) {
    const list = violations
      .sort(compareTopicPartitions)
      .map((tp) => `${tp.topic}-${tp.partition}`)
      .join(', ');
    throw new KafkaStateError(`cooperative assignment moves partitions still owned by other members: ${list}`);
  }
}

/** The SyncGroup assignments: each member's assignment encoded in the consumer protocol. */
export function encodeGroupAssignment(assignment: GroupAssignment, version: number = CONSUMER_PROTOCOL_VERSION): Map<string, Buffer> {
  const encoded = new Map<string, Buffer>();
  for (const [memberId, memberAssignment] of assignment) encoded.set(memberId, encodeAssignment(memberAssignment, version));
  return encoded;
}
