/**
 * Committed offsets on the wire: OffsetCommit and OffsetFetch requests built per version, their
 * responses read into per-partition outcomes, and the checks on what callers pass in. Both the
 * group member (`GroupMembership`, which commits with its generation) and the standalone
 * `OffsetCommitter` of assign()-mode consumers (generation -1) send through here.
 *
 * Offsets are JS numbers above this layer (safe integers, checked both ways); the raw protocol's
 * int64 fields are bigints.
 */
import type { Input } from '../../protocol/api.js';
import { KafkaDecodeError, KafkaInvalidArgumentError, KafkaUnsupportedVersionError } from '../../protocol/errors.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/generated/offset-fetch.js';
import type { TopicPartition } from '../../cluster/cluster.js';
import { topicPartitionKey } from '../assignors/topic-partitions.js';

export { topicPartitionKey };

/** An offset to commit, or one read back: the next offset to consume, as in Java's OffsetAndMetadata. */
export interface CommittedOffset {
  readonly offset: number;
  /** The leader epoch of the last consumed record (sent with OffsetCommit v6+), or null. */
  readonly leaderEpoch: number | null;
  readonly metadata: string | null;
}

/** One validated entry of a commit. */
export interface OffsetToCommit {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number | null;
  readonly metadata: string | null;
}

/** Who commits: a member's generation, or generation -1 with no member id (assign()-mode commits). */
export interface CommitIdentity {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export const NO_GENERATION: CommitIdentity = { generationId: -1, memberId: '', groupInstanceId: null };

const INT32_MAX = 0x7fffffff;

/** The topic-partition a key made by `topicPartitionKey` names. */
export function parseTopicPartitionKey(key: string): TopicPartition {
  const separator = key.lastIndexOf('\u0000');
  const partition = separator < 0 ? NaN : Number(key.slice(separator + 1));
  if (separator <= 0 || !Number.isInteger(partition) || partition < 0 || partition > INT32_MAX) {
    throw new KafkaInvalidArgumentError(`${JSON.stringify(key)} is not a topic-partition key (make keys with topicPartitionKey(topic, partition))`);
  }
  return { topic: key.slice(0, separator), partition };
}

/** Checks every entry of a commit and returns them in key order; throws `KafkaInvalidArgumentError` naming the first bad one. */
export function validateOffsets(offsets: ReadonlyMap<string, CommittedOffset>): OffsetToCommit[] {
  if (!(offsets instanceof Map)) throw new KafkaInvalidArgumentError('offsets must be a Map of topicPartitionKey(topic, partition) to { offset, leaderEpoch, metadata }');
  const entries: OffsetToCommit[] = [];
  for (const [key, value] of offsets) {
    const { topic, partition } = parseTopicPartitionKey(key);
    const where = `${topic}-${partition}`;
    if (typeof value !== 'object' || value === null) throw new KafkaInvalidArgumentError(`the offset for ${where} must be an object { offset, leaderEpoch, metadata }`);
    if (!Number.isSafeInteger(value.offset) || value.offset < 0) {
      throw new KafkaInvalidArgumentError(`the offset for ${where} must be a non-negative safe integer, got ${String(value.offset)}`);
    }
    const leaderEpoch = value.leaderEpoch ?? null;
    if (leaderEpoch !== null && (!Number.isInteger(leaderEpoch) || leaderEpoch < 0 || leaderEpoch > INT32_MAX)) {
      throw new KafkaInvalidArgumentError(`the leader epoch for ${where} must be null or a non-negative int32, got ${String(leaderEpoch)}`);
    }
    const metadata = value.metadata ?? null;
    if (metadata !== null && typeof metadata !== 'string') throw new KafkaInvalidArgumentError(`the metadata for ${where} must be a string or null`);
    entries.push({ key, topic, partition, offset: value.offset, leaderEpoch, metadata });
  }
  return entries.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

function groupByTopic<T extends { readonly topic: string }>(entries: Iterable<T>): Map<string, T[]> {
  const byTopic = new Map<string, T[]>();
  for (const entry of entries) {
    let list = byTopic.get(entry.topic);
    if (list === undefined) byTopic.set(entry.topic, (list = []));
    list.push(entry);
  }
  return byTopic;
}

/**
 * The OffsetCommit body for `version`: the generation and member id from v1, retention -1 in
 * v2-4, leader epochs from v6, the group instance id from v7 (a static member cannot commit with
 * an older version, as in Java).
 */
export function offsetCommitRequest(groupId: string, identity: CommitIdentity, entries: readonly OffsetToCommit[], version: number): Input<OffsetCommitRequest> {
  if (identity.groupInstanceId !== null && version < 7) {
    throw new KafkaUnsupportedVersionError(`a static member (groupInstanceId ${identity.groupInstanceId}) needs OffsetCommit v7+, the coordinator supports at most v${version}`);
  }
  return {
    groupId,
    ...(version >= 1 ? { generationIdOrMemberEpoch: identity.generationId, memberId: identity.memberId } : {}),
    ...(version >= 7 ? { groupInstanceId: identity.groupInstanceId } : {}),
    ...(version >= 2 && version <= 4 ? { retentionTimeMs: -1n } : {}),
    topics: [...groupByTopic(entries)].map(([name, partitions]) => ({
      name,
      partitions: partitions.map((entry) => ({
        partitionIndex: entry.partition,
        committedOffset: BigInt(entry.offset),
        ...(version >= 6 ? { committedLeaderEpoch: entry.leaderEpoch ?? -1 } : {}),
        ...(version === 1 ? { commitTimestamp: -1n } : {}),
        committedMetadata: entry.metadata,
      })),
    })),
  };
}

/** The error code of every partition sent, by key; a partition the broker left out is a `KafkaDecodeError`. */
export function offsetCommitResults(response: OffsetCommitResponse, entries: readonly OffsetToCommit[]): Map<string, number> {
  const answered = new Map<string, number>();
  for (const topic of response.topics) {
    for (const partition of topic.partitions) answered.set(topicPartitionKey(topic.name, partition.partitionIndex), partition.errorCode);
  }
  const results = new Map<string, number>();
  for (const entry of entries) {
    const code = answered.get(entry.key);
    if (code === undefined) throw new KafkaDecodeError(`the OffsetCommit response has no result for ${entry.topic}-${entry.partition}`);
    results.set(entry.key, code);
  }
  return results;
}

/** The OffsetFetch body for `version`: one group (nested from v8), stable offsets required from v7. */
export function offsetFetchRequest(groupId: string, partitions: readonly TopicPartition[], version: number): Input<OffsetFetchRequest> {
  const topics = [...groupByTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((tp) => tp.partition) }));
  if (version >= 8) return { groups: [{ groupId, topics }], requireStable: true };
  return { groupId, topics, ...(version >= 7 ? { requireStable: true } : {}) };
}

/** One partition of an OffsetFetch answer. */
export interface FetchedOffset {
  readonly errorCode: number;
  /** null when the group has no commit for the partition (the broker's -1). */
  readonly committed: CommittedOffset | null;
}

export interface OffsetFetchResults {
  /** The group-level error (v2+), 0 for none. */
  readonly errorCode: number;
  readonly partitions: Map<string, FetchedOffset>;
}

function toCommitted(where: string, offset: bigint, leaderEpoch: number, metadata: string | null): CommittedOffset | null {
  if (offset < 0n) return null;
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new KafkaDecodeError(`the committed offset of ${where} (${offset}) is beyond Number.MAX_SAFE_INTEGER`);
  return { offset: Number(offset), leaderEpoch: leaderEpoch < 0 ? null : leaderEpoch, metadata };
}

/** Reads an OffsetFetch answer (either shape) for the partitions asked; a missing one is a `KafkaDecodeError`. */
export function offsetFetchResults(response: OffsetFetchResponse, groupId: string, partitions: readonly TopicPartition[]): OffsetFetchResults {
  let errorCode = response.errorCode;
  let topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }> }> = response.topics;
  if (response.groups.length > 0) {
    const group = response.groups.find((entry) => entry.groupId === groupId);
    if (group === undefined) throw new KafkaDecodeError(`the OffsetFetch response does not answer for group ${groupId}`);
    errorCode = group.errorCode;
    topics = group.topics;
  }
  const answered = new Map<string, FetchedOffset>();
  for (const topic of topics) {
    for (const partition of topic.partitions) {
      const where = `${topic.name}-${partition.partitionIndex}`;
      const committed = partition.errorCode === 0 ? toCommitted(where, partition.committedOffset, partition.committedLeaderEpoch, partition.metadata) : null;
      answered.set(topicPartitionKey(topic.name, partition.partitionIndex), { errorCode: partition.errorCode, committed });
    }
  }
  const results = new Map<string, FetchedOffset>();
  if (errorCode !== 0) return { errorCode, partitions: results };
  for (const tp of partitions) {
    const key = topicPartitionKey(tp.topic, tp.partition);
    const found = answered.get(key);
    if (found === undefined) throw new KafkaDecodeError(`the OffsetFetch response has no result for ${tp.topic}-${tp.partition}`);
    results.set(key, found);
  }
  return { errorCode, partitions: results };
}

/** Checks a list of partitions to look up and drops repeats; throws `KafkaInvalidArgumentError`. */
export function validatePartitions(partitions: readonly TopicPartition[]): TopicPartition[] {
  if (!Array.isArray(partitions)) throw new KafkaInvalidArgumentError('partitions must be an array of { topic, partition }');
  const unique = new Map<string, TopicPartition>();
  for (const tp of partitions) {
    if (typeof tp !== 'object' || tp === null || typeof tp.topic !== 'string' || tp.topic.length === 0) {
      throw new KafkaInvalidArgumentError('every partition must be { topic: non-empty string, partition: number }');
    }
    if (!Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition > INT32_MAX) {
      throw new KafkaInvalidArgumentError(`partition of ${tp.topic} must be a non-negative int32, got ${String(tp.partition)}`);
    }
    unique.set(topicPartitionKey(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition });
  }
  return [...unique.values()];
}
