/**
 * ListOffsets for the consumer: the earliest and latest offsets (resets, beginningOffsets,
 * endOffsets) and offsets by timestamp (offsetsForTimes), asked of each partition's leader, one
 * request per broker, with retries: leader changes and other retriable partition errors refresh
 * the metadata and ask again for the partitions still missing, until the deadline.
 */
import { KafkaError, KafkaProtocolError, KafkaTimeoutError } from '../protocol/errors.js';
import { ListOffsets, type ListOffsetsResponse } from '../protocol/generated/index.js';
import type { Cluster } from '../cluster/cluster.js';
import type { BrokerNode } from '../cluster/metadata.js';
import type { TopicPartition } from '../cluster/cluster.js';
import { keyOf } from './topic-partition.js';

/** ListOffsets' special timestamps. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

/** What a lookup found for a partition: the first offset at or after the timestamp, or null when there is none. */
export interface ListedOffset {
  readonly offset: number;
  /** The record's timestamp (timestamp lookups), -1 otherwise. */
  readonly timestamp: number;
  readonly leaderEpoch: number | null;
}

export interface OffsetQuery {
  readonly tp: TopicPartition;
  /** Milliseconds since the epoch, or EARLIEST_TIMESTAMP / LATEST_TIMESTAMP. */
  readonly timestamp: number;
}

/**
 * Brokers whose ListOffsets answers to multi-partition requests were malformed (librdkafka
 * 2.0.2's mock garbles v4+ answers with more than one partition): asked one partition at a time.
 */
const onePartitionPerRequest = new WeakMap<Cluster, Set<number>>();

/** ListOffsets errors that mean "ask again, after a metadata refresh". */
const RETRY_WITH_METADATA: ReadonlySet<number> = new Set([3, 5, 6, 9, 56, 74, 75, 78, 100]);
/** The broker cannot answer timestamp lookups for old-format data: no offset. */
const UNSUPPORTED_FOR_MESSAGE_FORMAT = 43;

/**
 * Looks up offsets; resolves with one entry per query key (`topic\0partition`). Partition errors
 * that cannot be retried reject with a `KafkaProtocolError` naming the partition.
 */
export async function listOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
  options: { readCommitted: boolean; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<Map<string, ListedOffset | null>> {
  const results = new Map<string, ListedOffset | null>();
  if (queries.length === 0) return results;
  const pending = new Map(queries.map((query) => [keyOf(query.tp), query]));
  await cluster.withRetries(
    async (attempt) => {
      const byLeader = new Map<number, { node: BrokerNode; queries: OffsetQuery[] }>();
      let retriable: KafkaError | null = null;
      for (const query of pending.values()) {
        let node: BrokerNode;
        try {
          node = await cluster.leaderNode(query.tp, attempt.signal);
        } catch (error) {
          if (error instanceof KafkaError && error.retriable) {
            retriable = error;
            continue;
          }
          throw error;
        }
        let group = byLeader.get(node.id);
        if (group === undefined) byLeader.set(node.id, (group = { node, queries: [] }));
        group.queries.push(query);
      }
      let singles = onePartitionPerRequest.get(cluster);
      const ask = async (node: BrokerNode, asked: readonly OffsetQuery[]): Promise<void> => {
        const channel = await cluster.channelTo(node, { signal: attempt.signal });
        const version = channel.pick(ListOffsets);
        const response = await channel.send(ListOffsets, listOffsetsRequest(cluster, asked, version, options.readCommitted), {
          version,
          signal: attempt.signal,
          timeoutMs: attempt.requestTimeoutMs(),
        });
        if (asked.length > 1 && !answersExactly(response, asked)) {
          if (singles === undefined) onePartitionPerRequest.set(cluster, (singles = new Set()));
          singles.add(node.id);
          cluster.logger.debug('malformed ListOffsets answer to a multi-partition request; asking one partition at a time', { broker: node.id });
          for (const query of asked) await ask(node, [query]);
          return;
        }
        const partitionError = readResponse(response, version, pending, results, node);
        if (partitionError !== null) retriable = partitionError;
      };
      const outcomes = await Promise.allSettled(
        [...byLeader.values()].map(async ({ node, queries: asked }) => {
          if (singles?.has(node.id) !== true) return ask(node, asked);
          // One request at a time to such a broker.
          for (const query of asked) await ask(node, [query]);
        }),
      );
      for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
      if (pending.size > 0) throw retriable ?? new KafkaProtocolError(6, { apiName: 'ListOffsets' }, `${pending.size} partition(s) not answered`);
    },
    { timeoutMs: options.timeoutMs, what: 'ListOffsets', ...(options.signal ? { signal: options.signal } : {}) },
  ).catch((error: unknown) => {
    if (error instanceof KafkaTimeoutError && pending.size > 0) {
      const missing = [...pending.values()].map((query) => `${query.tp.topic}-${query.tp.partition}`).join(', ');
      throw new KafkaTimeoutError(`${error.message} (no offset for ${missing})`, { cause: error });
    }
    throw error;
  });
  return results;
}

/** Whether the answer names exactly the partitions asked, each once. */
function answersExactly(response: ListOffsetsResponse, asked: readonly OffsetQuery[]): boolean {
  const expected = new Set(asked.map((query) => keyOf(query.tp)));
  let count = 0;
  for (const topic of response.topics) {
    for (const partition of topic.partitions) {
      if (!expected.has(keyOf({ topic: topic.name, partition: partition.partitionIndex }))) return false;
      count++;
    }
  }
  return count === expected.size;
}

function listOffsetsRequest(cluster: Cluster, queries: readonly OffsetQuery[], version: number, readCommitted: boolean) {
  const topics = new Map<string, { name: string; partitions: { partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint; maxNumOffsets: number }[] }>();
  for (const query of queries) {
    let topic = topics.get(query.tp.topic);
    if (topic === undefined) topics.set(query.tp.topic, (topic = { name: query.tp.topic, partitions: [] }));
    topic.partitions.push({
      partitionIndex: query.tp.partition,
      currentLeaderEpoch: version >= 4 ? (cluster.metadata.partition(query.tp.topic, query.tp.partition)?.leaderEpoch ?? -1) : -1,
      timestamp: BigInt(query.timestamp),
      maxNumOffsets: 1,
    });
  }
  return { replicaId: -1, isolationLevel: version >= 2 && readCommitted ? 1 : 0, topics: [...topics.values()] };
}

/** Stores the answers; returns the last retriable partition error (those partitions stay pending). */
function readResponse(response: ListOffsetsResponse, version: number, pending: Map<string, OffsetQuery>, results: Map<string, ListedOffset | null>, node: BrokerNode): KafkaProtocolError | null {
  let retriable: KafkaProtocolError | null = null;
  for (const topic of response.topics) {
    for (const partition of topic.partitions) {
      const key = keyOf({ topic: topic.name, partition: partition.partitionIndex });
      const query = pending.get(key);
      if (query === undefined) continue;
      const code = partition.errorCode;
      if (code === UNSUPPORTED_FOR_MESSAGE_FORMAT) {
        results.set(key, null);
        pending.delete(key);
        continue;
      }
      if (code !== 0) {
        const error = new KafkaProtocolError(code, { topic: topic.name, partition: partition.partitionIndex, brokerId: node.id, apiName: 'ListOffsets' });
        if (RETRY_WITH_METADATA.has(code) || error.retriable) {
          retriable = error;
          continue;
        }
        throw error;
      }
      const rawOffset = version === 0 ? (partition.oldStyleOffsets[0] ?? -1n) : partition.offset;
      if (rawOffset < 0n) {
        results.set(key, null);
      } else {
        results.set(key, {
          offset: Number(rawOffset),
          timestamp: version >= 1 ? Number(partition.timestamp) : -1,
          leaderEpoch: version >= 4 && partition.leaderEpoch >= 0 ? partition.leaderEpoch : null,
        });
      }
      pending.delete(key);
    }
  }
  return retriable;
}
