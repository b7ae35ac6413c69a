/** Layout constants of Kafka's record formats. */

/** baseOffset/offset int64 + length int32: the bytes before the length-counted part of every batch or message. */
export const LOG_OVERHEAD = 12;

/** Record batch (magic 2) header field positions, from the start of the batch. */
export const BATCH = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
  /** Header size: where the records section starts. */
  headerSize: 61,
} as const;

export const ATTRIBUTE_COMPRESSION_MASK = 0x07;
export const ATTRIBUTE_TIMESTAMP_TYPE = 0x08;
export const ATTRIBUTE_TRANSACTIONAL = 0x10;
export const ATTRIBUTE_CONTROL = 0x20;
export const ATTRIBUTE_DELETE_HORIZON = 0x40;

/** Legacy message (magic 0 and 1) field positions, from the start of the message (its offset field). */
export const LEGACY = {
  offset: 0,
  size: 8,
  crc: 12,
  magic: 16,
  attributes: 17,
  /** magic 1 only. */
  timestamp: 18,
  headerSizeV0: 18,
  headerSizeV1: 26,
} as const;

/** The smallest legacy message: header, key length and value length (both null). */
export const LEGACY_MIN_SIZE_V0 = LEGACY.headerSizeV0 + 8;
export const LEGACY_MIN_SIZE_V1 = LEGACY.headerSizeV1 + 8;

/** A record takes at least 7 bytes: length, attributes, timestamp delta, offset delta, key and value lengths, header count. */
export const MIN_RECORD_SIZE = 7;

/** How a batch's timestamps were set: by the producer (CreateTime) or by the broker (LogAppendTime). */
export const TimestampType = {
  CreateTime: 0,
  LogAppendTime: 1,
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** The "no producer id / epoch / sequence" values. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
/** The timestamp of a magic 0 message, which has none. */
export const NO_TIMESTAMP = -1;
