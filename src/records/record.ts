/** The record types shared by the batch encoders and decoders. */
import type { CompressionType } from '../compression/types.js';
import type { TimestampType } from './constants.js';

/** A record header as decoded: the key is text, the value bytes (a view into the fetched data) or null. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * One decoded record. `key`, `value` and header values are views into the fetched (or
 * decompressed) bytes, not copies: keep them only as long as needed, or copy them.
 */
export interface KafkaRecord {
  readonly offset: number;
  /** The record's timestamp; for a LogAppendTime batch, the broker's append time. -1 for magic 0 messages. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** Bytes to write: a Uint8Array (Buffer included) as it is, or a string as UTF-8. */
export type RecordBytes = Uint8Array | string;

export interface RecordHeaderInput {
  key: string;
  value: RecordBytes | null;
}

/** A record to append to a batch. */
export interface RecordInput {
  key?: RecordBytes | null | undefined;
  value?: RecordBytes | null | undefined;
  headers?: readonly RecordHeaderInput[] | undefined;
  /** Milliseconds since the epoch; the builder's clock (Date.now() by default) when absent. */
  timestamp?: number | undefined;
  /** The record's absolute offset; the next offset after the previous record when absent. */
  offset?: number | undefined;
}

/**
 * A batch of records as found in a fetched `records` field: a record batch (magic 2) or a single
 * legacy message (magic 0 or 1), which may be a compressed wrapper around an inner message set.
 * Header fields are read when the batch is found; the records are decoded only when asked for.
 */
export interface RecordBatch {
  readonly magic: number;
  /** The first offset (see LegacyRecordBatch.baseOffset for compressed legacy wrappers). */
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The offset after this batch: where a consumer continues. */
  readonly nextOffset: number;
  readonly compression: CompressionType;
  readonly timestampType: TimestampType;
  /** The largest timestamp of the batch (magic 2: the maxTimestamp field; legacy: the message's timestamp). */
  readonly maxTimestamp: number;
  readonly partitionLeaderEpoch: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  /** The number of records, or undefined for a compressed legacy wrapper (known only once decompressed). */
  readonly recordCount: number | undefined;
  /** The bytes of the whole batch (offset and length fields included), a view into the fetched data. */
  readonly buffer: Buffer;
  readonly sizeInBytes: number;
  /** Decodes the records, awaiting the codec when it is asynchronous. */
  records(): Promise<KafkaRecord[]>;
  /** Decodes the records synchronously; throws KafkaStateError if the batch's codec is asynchronous. */
  recordsSync(): KafkaRecord[];
}
