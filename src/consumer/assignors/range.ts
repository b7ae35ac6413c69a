/**
 * The range assignor ('range'), with the Java client's exact outcome.
 *
 * Per topic, the partitions in order are cut into contiguous ranges, one per subscribed member in
 * the Java member order (static members by group instance id first, then dynamic members by
 * member id); the first `partitions % members` members get one partition more. Members subscribed
 * to the same topics therefore get the same partition numbers of each topic (co-partitioning).
 *
 * Rack-aware variant (KIP-881), used when members send a rack (subscription v3) and the replicas'
 * racks are known and not the same for every partition: before the plain ranges, partitions are
 * given to members in a rack holding a replica, within the same per-member counts; topics with the
 * same members and partition count are matched together, partition by partition, so they stay
 * co-partitioned. What cannot be matched is then assigned as plain ranges. Every step follows the
 * Java client's `RangeAssignor`, so a mixed group gets the same assignment whichever member leads.
 */
import {
  PartitionIndex,
  compareMembers,
  compareTopicPartitions,
  effectiveRack,
  subscribedTopics,
  type IndexedTopic,
} from './topic-partitions.js';
import type { ClusterView, GroupAssignment, MemberSubscription, PartitionAssignor, RebalanceProtocol, TopicPartition } from './types.js';

/** Per-topic bookkeeping of one assignment. */
class TopicAssignmentState {
  readonly topic: string;
  /** Subscribed members in assignment order, with their rack (null when none). */
  readonly consumers: ReadonlyMap<string, string | null>;
  readonly partitions: readonly TopicPartition[];
  readonly needsRackAwareAssignment: boolean;
  /** Replica racks per partition; filled only when some subscribed member has a rack. */
  readonly partitionRacks: ReadonlyMap<TopicPartition, ReadonlySet<string>>;
  readonly unassigned: Set<TopicPartition>;
  private readonly assignedCount = new Map<string, number>();
  private readonly perConsumer: number;
  private remainingWithExtraPartition: number;

  constructor(entry: IndexedTopic, members: readonly MemberSubscription[], memberRacks: ReadonlyMap<string, string>) {
    this.topic = entry.topic;
    const consumers = new Map<string, string | null>();
    for (const member of [...members].sort(compareMembers)) consumers.set(member.memberId, memberRacks.get(member.memberId) ?? null);
    this.consumers = consumers;
    this.partitions = entry.partitions;
    this.unassigned = new Set(entry.partitions);
    for (const consumer of consumers.keys()) this.assignedCount.set(consumer, 0);
    const count = entry.partitions.length;
    this.perConsumer = consumers.size === 0 ? 0 : Math.floor(count / consumers.size);
    this.remainingWithExtraPartition = consumers.size === 0 ? 0 : count % consumers.size;

    const consumerRacks = new Set<string>();
    for (const rack of consumers.values()) if (rack !== null) consumerRacks.add(rack);
    const partitionRacks = new Map<TopicPartition, ReadonlySet<string>>();
    const allPartitionRacks = new Set<string>();
    if (consumerRacks.size > 0) {
      entry.partitions.forEach((tp, position) => {
        const racks = entry.racks[position]!;
        partitionRacks.set(tp, racks);
        for (const rack of racks) allPartitionRacks.add(rack);
      });
    }
    this.partitionRacks = partitionRacks;
    this.needsRackAwareAssignment = useRackAwareAssignment(consumerRacks, allPartitionRacks, partitionRacks);
  }

  /** A member without a rack matches every partition; one with a rack only partitions with a replica there. */
  racksMatch(consumer: string, tp: TopicPartition): boolean {
    const rack = this.consumers.get(consumer) ?? null;
    if (rack === null) return true;
    return this.partitionRacks.get(tp)?.has(rack) ?? false;
  }

  /** How many more partitions of this topic the member may take without breaking the range counts. */
  maxAssignable(consumer: string): number {
    const limit = this.perConsumer + (this.remainingWithExtraPartition > 0 ? 1 : 0) - (this.assignedCount.get(consumer) ?? 0);
    return Math.max(0, limit);
  }

  onAssigned(consumer: string, partitions: readonly TopicPartition[]): void {
    const count = (this.assignedCount.get(consumer) ?? 0) + partitions.length;
    this.assignedCount.set(consumer, count);
    if (count > this.perConsumer) this.remainingWithExtraPartition--;
    for (const tp of partitions) this.unassigned.delete(tp);
  }
}

/**
 * Java's test for using rack-aware assignment: some member rack holds replicas, and the replicas'
 * racks differ between partitions (if every partition is in every rack, racks change nothing).
 */
export function useRackAwareAssignment(
  consumerRacks: ReadonlySet<string>,
  partitionRacks: ReadonlySet<string>,
  racksPerPartition: ReadonlyMap<TopicPartition, ReadonlySet<string>>,
): boolean {
  if (consumerRacks.size === 0) return false;
  let overlap = false;
  for (const rack of consumerRacks) if (partitionRacks.has(rack)) overlap = true;
  if (!overlap) return false;
  for (const racks of racksPerPartition.values()) {
    if (racks.size !== partitionRacks.size) return true;
    for (const rack of racks) if (!partitionRacks.has(rack)) return true;
  }
  return false;
}

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];

  assign(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): GroupAssignment {
    const index = new PartitionIndex(cluster, subscribedTopics(members.values()));
    const memberRacks = new Map<string, string>();
    const membersByTopic = new Map<string, MemberSubscription[]>();
    for (const [memberId, subscription] of members) {
      const member = subscription.memberId === memberId ? subscription : { ...subscription, memberId };
      const rack = effectiveRack(member.rackId);
      if (rack !== null) memberRacks.set(memberId, rack);
      for (const topic of new Set(member.topics)) {
        let list = membersByTopic.get(topic);
        if (list === undefined) membersByTopic.set(topic, (list = []));
        list.push(member);
      }
    }

    const states: TopicAssignmentState[] = [];
    for (const entry of index.topics.values()) {
      states.push(new TopicAssignmentState(entry, membersByTopic.get(entry.topic) ?? [], memberRacks));
    }
    const assignment = new Map<string, TopicPartition[]>();
    for (const memberId of members.keys()) assignment.set(memberId, []);

    const rackAware = states.some((state) => state.needsRackAwareAssignment);
    if (rackAware) assignWithRackMatching(states, assignment);
    for (const state of states) assignRanges(state, () => true, assignment);

    const result: GroupAssignment = new Map();
    for (const [memberId, partitions] of assignment) result.set(memberId, { partitions: partitions.sort(compareTopicPartitions) });
    return result;
  }
}

function assignPartitions(
  consumer: string,
  partitions: readonly TopicPartition[],
  state: TopicAssignmentState,
  assignment: Map<string, TopicPartition[]>,
): void {
  assignment.get(consumer)!.push(...partitions);
  state.onAssigned(consumer, partitions);
}

/** Each member in order takes the next unassigned partitions it may take, up to its range count. */
function assignRanges(
  state: TopicAssignmentState,
  mayAssign: (consumer: string, tp: TopicPartition) => boolean,
  assignment: Map<string, TopicPartition[]>,
): void {
  for (const consumer of state.consumers.keys()) {
    if (state.unassigned.size === 0) break;
    const limit = state.maxAssignable(consumer);
    const chosen: TopicPartition[] = [];
    for (const tp of state.unassigned) {
      if (chosen.length >= limit) break;
      if (mayAssign(consumer, tp)) chosen.push(tp);
    }
    if (chosen.length > 0) assignPartitions(consumer, chosen, state, assignment);
  }
}

/** A key for a member list with racks, so that topics with identical members group together. */
function consumersKey(consumers: ReadonlyMap<string, string | null>): string {
  return JSON.stringify([...consumers]);
}

function assignWithRackMatching(states: readonly TopicAssignmentState[], assignment: Map<string, TopicPartition[]>): void {
  // Topics with the same members (and racks) and the same partition count are co-partitioned:
  // they are matched together so that their ranges stay aligned.
  const groups = new Map<string, TopicAssignmentState[]>();
  for (const state of states) {
    const key = `${consumersKey(state.consumers)}\u0000${state.partitionRacks.size}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(state);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    if (group.length > 1) {
      assignCoPartitionedWithRackMatching(first.consumers, first.partitionRacks.size, group, assignment);
    } else if (first.needsRackAwareAssignment) {
      assignRanges(first, (consumer, tp) => first.racksMatch(consumer, tp), assignment);
    }
  }
}

function assignCoPartitionedWithRackMatching(
  consumers: ReadonlyMap<string, string | null>,
  partitionCount: number,
  states: readonly TopicAssignmentState[],
  assignment: Map<string, TopicPartition[]>,
): void {
  const remaining = [...consumers.keys()];
  for (let position = 0; position < partitionCount; position++) {
    const matching = remaining.find((consumer) =>
      states.every((state) => state.racksMatch(consumer, state.partitions[position]!) && state.maxAssignable(consumer) > 0),
    );
    if (matching === undefined) continue;
    for (const state of states) assignPartitions(matching, [state.partitions[position]!], state, assignment);
    if (states.every((state) => state.maxAssignable(matching) === 0)) {
      remaining.splice(remaining.indexOf(matching), 1);
      if (remaining.length === 0) break;
    }
  }
}
