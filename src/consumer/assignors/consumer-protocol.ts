/**
 * The byte formats of the classic consumer group protocol (protocol type "consumer"): the
 * subscription a member sends as its JoinGroup protocol metadata and the assignment the leader
 * sends for it in SyncGroup. Both are an int16 version followed by the versioned struct
 * (`ConsumerProtocolSubscription` / `ConsumerProtocolAssignment`, versions 0-3).
 *
 * As in the Java client: topics and owned partitions are written sorted, partitions grouped by
 * topic; the newest version is written by default; a newer version than ours is read as our
 * newest (every version only appends fields, so the known prefix reads the same and the rest is
 * ignored); an empty rack id reads as none. Anything malformed is a `KafkaDecodeError`.
 */
import { KafkaDecodeError, KafkaInvalidArgumentError } from '../../protocol/errors.js';
import { ConsumerProtocolAssignment } from '../../protocol/generated/consumer-protocol-assignment.js';
import { ConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { Writer } from '../../protocol/primitives/writer.js';
import { compareStrings, compareTopicPartitions, groupByTopic, topicPartitionKey } from './topic-partitions.js';
import type { TopicPartition } from './types.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** The newest subscription and assignment version we know (they move together, as in Java). */
export const CONSUMER_PROTOCOL_VERSION = 3;

/** A subscription to encode. Missing fields take the protocol defaults. */
export interface SubscriptionInput {
  readonly topics: readonly string[];
  readonly userData?: Buffer | null;
  readonly ownedPartitions?: readonly TopicPartition[];
  /** -1 (the default) when the member has no generation yet. */
  readonly generationId?: number;
  readonly rackId?: string | null;
}

export interface DecodedSubscription {
  /** The version the sender wrote (may be newer than ours). */
  readonly version: number;
  readonly topics: string[];
  readonly userData: Buffer | null;
  readonly ownedPartitions: TopicPartition[];
  /** -1 when absent (versions 0-1) or unknown. */
  readonly generationId: number;
  readonly rackId: string | null;
}

/** An assignment to encode. */
export interface AssignmentInput {
  readonly partitions: readonly TopicPartition[];
  readonly userData?: Buffer | null;
}

export interface DecodedAssignment {
  readonly version: number;
  readonly partitions: TopicPartition[];
  readonly userData: Buffer | null;
}

function checkWriteVersion(what: string, version: number): void {
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_VERSION) {
    throw new KafkaInvalidArgumentError(`${what} version ${version} cannot be written (0-${CONSUMER_PROTOCOL_VERSION})`);
  }
}

/**
 * Reads the leading version and returns the version to decode the struct with: ours when the
 * sender's is newer. A negative version is refused, as in Java.
 */
function readVersion(reader: Reader, what: string): { declared: number; readAs: number } {
  if (reader.remaining() < 2) {
    throw new KafkaDecodeError(`${what}: ${reader.remaining()} byte(s) cannot hold the int16 version`);
  }
  const declared = reader.readInt16();
  if (declared < 0) throw new KafkaDecodeError(`${what}: unsupported version ${declared}`);
  return { declared, readAs: Math.min(declared, CONSUMER_PROTOCOL_VERSION) };
}

/** Owned partitions sorted by topic then partition, repeats dropped, grouped by topic. */
function groupedOwnedPartitions(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const unique = new Map<string, TopicPartition>();
  for (const tp of partitions) unique.set(topicPartitionKey(tp.topic, tp.partition), tp);
  const sorted = [...unique.values()].sort(compareTopicPartitions);
  return [...groupByTopic(sorted)].map(([topic, numbers]) => ({ topic, partitions: numbers }));
}

export function encodeSubscription(subscription: SubscriptionInput, version: number = CONSUMER_PROTOCOL_VERSION): Buffer {
  checkWriteVersion('ConsumerProtocolSubscription', version);
  const rackId = subscription.rackId === undefined || subscription.rackId === '' ? null : subscription.rackId;
  const writer = new Writer(64);
  writer.writeInt16(version);
  ConsumerProtocolSubscription.encode(writer, version, {
    topics: [...new Set(subscription.topics)].sort(compareStrings),
    userData: subscription.userData ?? null,
    ownedPartitions: groupedOwnedPartitions(subscription.ownedPartitions ?? []),
    generationId: subscription.generationId ?? -1,
    rackId,
  });
  return writer.finish();
}

export function decodeSubscription(bytes: Buffer): DecodedSubscription {
  const reader = new Reader(bytes);
  const { declared, readAs } = readVersion(reader, 'ConsumerProtocolSubscription');
  const data = ConsumerProtocolSubscription.decode(reader, readAs);
  const ownedPartitions: TopicPartition[] = [];
  for (const entry of data.ownedPartitions) {
    for (const partition of entry.partitions) ownedPartitions.push({ topic: entry.topic, partition });
  }
  return {
    version: declared,
    topics: data.topics,
    userData: data.userData,
    ownedPartitions,
    generationId: data.generationId < 0 ? -1 : data.generationId,
    rackId: data.rackId === '' ? null : data.rackId,
  };
}

/** Partitions are grouped by topic in order of first appearance, as Java writes them. */
export function encodeAssignment(assignment: AssignmentInput, version: number = CONSUMER_PROTOCOL_VERSION): Buffer {
  checkWriteVersion('ConsumerProtocolAssignment', version);
  const writer = new Writer(64);
  writer.writeInt16(version);
  ConsumerProtocolAssignment.encode(writer, version, {
    assignedPartitions: [...groupByTopic(assignment.partitions)].map(([topic, partitions]) => ({ topic, partitions })),
    userData: assignment.userData ?? null,
  });
  return writer.finish();
}

export function decodeAssignment(bytes: Buffer): DecodedAssignment {
  const reader = new Reader(bytes);
  const { declared, readAs } = readVersion(reader, 'ConsumerProtocolAssignment');
  const data = ConsumerProtocolAssignment.decode(reader, readAs);
  const partitions: TopicPartition[] = [];
  for (const entry of data.assignedPartitions) {
    for (const partition of entry.partitions) partitions.push({ topic: entry.topic, partition });
  }
  return { version: declared, partitions, userData: data.userData };
}
