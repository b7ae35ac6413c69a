/**
 * The user data of the sticky assignors, in the Java client's formats, so that stickiness
 * survives in groups mixing kafkats with Java, librdkafka and kafka-python members.
 *
 * 'sticky' (KIP-54), version 1: the member's previous assignment and its generation,
 *   previous_assignment: [topic: string (int16 length), partitions: [int32]] (int32 counts),
 *   generation: int32.
 * Version 0 is the same without the generation; readers try version 1, then version 0, and treat
 * anything else as no previous assignment (as Java does).
 *
 * 'cooperative-sticky' (KIP-429): a single int32, the generation of the member's assignment. Since
 * subscription v2 the generation travels in the subscription itself; the user data remains for
 * leaders that read subscriptions older than v2 (Java 2.4-2.8).
 */
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { compareStrings, groupByTopic } from './topic-partitions.js';
import type { TopicPartition } from './types.js';

/** The generation of a member that has none, as Java's `DEFAULT_GENERATION`. */
export const NO_GENERATION = -1;

export interface StickyMemberData {
  readonly partitions: TopicPartition[];
  /** NO_GENERATION when the data has none (version 0 or unreadable). */
  readonly generation: number;
}

export function encodeStickyUserData(partitions: readonly TopicPartition[], generation: number): Buffer {
  const writer = new Writer(64);
  const byTopic = [...groupByTopic(partitions)].sort(([a], [b]) => compareStrings(a, b));
  writer.writeInt32(byTopic.length);
  for (const [topic, numbers] of byTopic) {
    writer.writeString(topic);
    writer.writeInt32(numbers.length);
    for (const partition of numbers) writer.writeInt32(partition);
  }
  writer.writeInt32(generation);
  return writer.finish();
}

/** Reads the previous assignment; returns null when the bytes do not hold one (a short or corrupt buffer). */
function readPreviousAssignment(reader: Reader): TopicPartition[] | null {
  const topicCount = reader.readArrayLength(6);
  if (topicCount === null) return null;
  const partitions: TopicPartition[] = [];
  for (let i = 0; i < topicCount; i++) {
    const topic = reader.readString();
    const count = reader.readArrayLength(4);
    if (count === null) return null;
    for (let j = 0; j < count; j++) partitions.push({ topic, partition: reader.readInt32() });
  }
  return partitions;
}

export function decodeStickyUserData(bytes: Buffer): StickyMemberData {
  try {
    const reader = new Reader(bytes);
    const partitions = readPreviousAssignment(reader);
    if (partitions !== null) return { partitions, generation: reader.readInt32() };
  } catch {
    // Not version 1: try version 0 below.
  }
  try {
    const partitions = readPreviousAssignment(new Reader(bytes));
    if (partitions !== null) return { partitions, generation: NO_GENERATION };
  } catch {
    // Neither version: the previous assignment is ignored, as Java does.
  }
  return { partitions: [], generation: NO_GENERATION };
}

export function encodeCooperativeUserData(generation: number): Buffer {
  const writer = new Writer(4);
  writer.writeInt32(generation);
  return writer.finish();
}

/** The generation in cooperative-sticky user data; NO_GENERATION when it is shorter than an int32. */
export function decodeCooperativeUserData(bytes: Buffer): number {
  return bytes.length >= 4 ? bytes.readInt32BE(0) : NO_GENERATION;
}
