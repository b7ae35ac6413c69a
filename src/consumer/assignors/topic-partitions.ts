/**
 * Topic-partition helpers shared by the assignors and the consumer: ordering, grouping, the
 * partitions added and revoked between two assignments, the member order of the Java client, and
 * `PartitionIndex`, the assignors' validated view of the subscribed topics' partitions.
 */
import { KafkaInvalidArgumentError } from '../../protocol/errors.js';
import type { ClusterView, TopicPartition } from './types.js';

const MAX_INT32 = 0x7fffffff;

/** Topic, then partition: the order of Java's `TopicPartitionComparator` (strings by UTF-16 units, as Java's). */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** String order by UTF-16 code units, as Java's `String.compareTo`. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortTopicPartitions(partitions: Iterable<TopicPartition>): TopicPartition[] {
  return [...partitions].sort(compareTopicPartitions);
}

/** A string key for a topic-partition: the partition number after the last NUL, so keys never collide. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Partitions grouped by topic, topics in order of first appearance, partitions in the order given. */
export function groupByTopic(partitions: Iterable<TopicPartition>): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return byTopic;
}

export interface PartitionChanges {
  /** In the new assignment but not owned before (sorted by topic, then partition). */
  readonly added: TopicPartition[];
  /** Owned before but not in the new assignment (sorted). Under EAGER the consumer revokes everything instead. */
  readonly revoked: TopicPartition[];
}

/** What a member gains and gives up when `assigned` replaces `owned` (duplicates ignored). */
export function partitionChanges(owned: Iterable<TopicPartition>, assigned: Iterable<TopicPartition>): PartitionChanges {
  const ownedByKey = new Map<string, TopicPartition>();
  for (const tp of owned) ownedByKey.set(topicPartitionKey(tp.topic, tp.partition), tp);
  const assignedByKey = new Map<string, TopicPartition>();
  for (const tp of assigned) assignedByKey.set(topicPartitionKey(tp.topic, tp.partition), tp);
  const added: TopicPartition[] = [];
  for (const [key, tp] of assignedByKey) if (!ownedByKey.has(key)) added.push({ topic: tp.topic, partition: tp.partition });
  const revoked: TopicPartition[] = [];
  for (const [key, tp] of ownedByKey) if (!assignedByKey.has(key)) revoked.push({ topic: tp.topic, partition: tp.partition });
  return { added: added.sort(compareTopicPartitions), revoked: revoked.sort(compareTopicPartitions) };
}

/**
 * The member order of the Java client's range and round-robin assignors (`MemberInfo`): static
 * members first, by group instance id, then dynamic members by member id. Static members thereby
 * keep their partitions across restarts, when they come back with a new member id.
 */
export function compareMembers(
  a: { readonly memberId: string; readonly groupInstanceId: string | null },
  b: { readonly memberId: string; readonly groupInstanceId: string | null },
): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    // Two members with one instance id cannot both be in a group; the member id keeps the order total.
    return compareStrings(a.groupInstanceId, b.groupInstanceId) || compareStrings(a.memberId, b.memberId);
  }
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** A topic's partitions, ascending, each with the racks of its replicas. */
export interface IndexedTopic {
  readonly topic: string;
  readonly partitions: readonly TopicPartition[];
  readonly racks: readonly ReadonlySet<string>[];
}

const NO_RACKS: ReadonlySet<string> = new Set();

/**
 * The partitions of the subscribed topics that the cluster knows (topics without metadata or
 * without partitions are left out, as in Java). Each topic-partition is one shared object, so the
 * assignors can key maps and sets by identity, and anything a member claims that is not here (a
 * deleted topic, a partition beyond the count, bytes from a confused peer) is simply not found.
 */
export class PartitionIndex {
  /** Topics in name order. */
  readonly topics: ReadonlyMap<string, IndexedTopic>;
  readonly totalPartitions: number;
  private readonly byNumber: Map<string, Map<number, number>>;
  private readonly racksByPartition: Map<TopicPartition, ReadonlySet<string>>;

  constructor(cluster: ClusterView, subscribedTopics: Iterable<string>) {
    const topics = new Map<string, IndexedTopic>();
    this.byNumber = new Map();
    this.racksByPartition = new Map();
    let total = 0;
    for (const topic of [...new Set(subscribedTopics)].sort(compareStrings)) {
      const views = cluster.partitionsFor(topic);
      if (views === undefined || views.length === 0) continue;
      const sorted = [...views].sort((a, b) => a.partition - b.partition);
      const positions = new Map<number, number>();
      const partitions: TopicPartition[] = [];
      const racks: ReadonlySet<string>[] = [];
      for (const view of sorted) {
        const number = view.partition;
        if (!Number.isInteger(number) || number < 0 || number > MAX_INT32) {
          throw new KafkaInvalidArgumentError(`cluster view: topic ${topic} has an invalid partition number ${String(number)}`);
        }
        if (positions.has(number)) {
          throw new KafkaInvalidArgumentError(`cluster view: topic ${topic} lists partition ${number} twice`);
        }
        const tp: TopicPartition = { topic, partition: number };
        const rackSet = view.replicaRacks === undefined || view.replicaRacks.length === 0 ? NO_RACKS : new Set(view.replicaRacks);
        positions.set(number, partitions.length);
        partitions.push(tp);
        racks.push(rackSet);
        this.racksByPartition.set(tp, rackSet);
      }
      topics.set(topic, { topic, partitions, racks });
      this.byNumber.set(topic, positions);
      total += partitions.length;
    }
    this.topics = topics;
    this.totalPartitions = total;
  }

  /** The shared object for a topic-partition, or undefined when the cluster does not have it. */
  get(topic: string, partition: number): TopicPartition | undefined {
    const position = this.byNumber.get(topic)?.get(partition);
    return position === undefined ? undefined : this.topics.get(topic)!.partitions[position];
  }

  /** Racks of the replicas of an indexed partition (empty when unknown). */
  racksOf(tp: TopicPartition): ReadonlySet<string> {
    return this.racksByPartition.get(tp) ?? NO_RACKS;
  }

  /** Every indexed partition, topics in name order, partitions ascending. */
  allPartitions(): TopicPartition[] {
    const all: TopicPartition[] = [];
    for (const entry of this.topics.values()) all.push(...entry.partitions);
    return all;
  }

  /** The indexed objects for claimed partitions, unknown ones and repeats dropped, order kept. */
  resolve(claimed: Iterable<TopicPartition>): TopicPartition[] {
    const seen = new Set<TopicPartition>();
    const resolved: TopicPartition[] = [];
    for (const { topic, partition } of claimed) {
      const tp = this.get(topic, partition);
      if (tp !== undefined && !seen.has(tp)) {
        seen.add(tp);
        resolved.push(tp);
      }
    }
    return resolved;
  }
}

/** A member's rack, with Java's rule that an empty rack id means none. */
export function effectiveRack(rackId: string | null): string | null {
  return rackId === null || rackId === '' ? null : rackId;
}

/** The union of all members' subscribed topics. */
export function subscribedTopics(members: Iterable<{ readonly topics: readonly string[] }>): Set<string> {
  const topics = new Set<string>();
  for (const member of members) for (const topic of member.topics) topics.add(topic);
  return topics;
}
