/**
 * Topic-partition helpers of the consumer: string keys for maps (topic names cannot contain NUL,
 * so `topic + '\0' + partition` is unambiguous) and argument checks for public methods.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import type { TopicPartition } from '../cluster/cluster.js';

export type { TopicPartition } from '../cluster/cluster.js';

/** The map key of a topic-partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The key of `tp`. */
export function keyOf(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** Throws `KafkaInvalidArgumentError` unless `value` is a `{ topic, partition }` with a valid topic name and partition. */
export function checkTopicPartition(value: unknown, what = 'topic-partition'): TopicPartition {
  if (typeof value !== 'object' || value === null) throw new KafkaInvalidArgumentError(`a ${what} must be an object { topic, partition }, got ${String(value)}`);
  const { topic, partition } = value as { topic?: unknown; partition?: unknown };
  if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError(`a ${what} needs a non-empty topic name, got ${JSON.stringify(topic) ?? String(topic)}`);
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new KafkaInvalidArgumentError(`the partition of ${what} ${topic} must be a non-negative integer, got ${String(partition)}`);
  }
  return { topic, partition };
}

/** Checks a list of topic-partitions and drops duplicates (first occurrence kept). */
export function checkTopicPartitions(values: unknown, what = 'topic-partition'): TopicPartition[] {
  if (!Array.isArray(values)) throw new KafkaInvalidArgumentError(`expected an array of { topic, partition }, got ${typeof values}`);
  const seen = new Set<string>();
  const result: TopicPartition[] = [];
  for (const value of values as unknown[]) {
    const tp = checkTopicPartition(value, what);
    const key = keyOf(tp);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(tp);
  }
  return result;
}

/** Throws `KafkaInvalidArgumentError` unless `offset` is a non-negative safe integer. */
export function checkOffset(offset: unknown, what: string): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new KafkaInvalidArgumentError(`${what} must be a non-negative safe integer, got ${String(offset)}`);
  }
  return offset;
}
