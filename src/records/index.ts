/**
 * Kafka's record formats: record batches (magic 2), legacy message sets (magic 0 and 1), their
 * CRCs, control records and read_committed filtering. The codecs are in ../compression.
 */
export { RecordBatchBuilder, recordSizeUpperBound, type RecordBatchBuilderOptions } from './batch-builder.js';
export { DefaultRecordBatch, type DecodeOptions } from './batch.js';
export { LegacyRecordBatch, LegacyMessageSetBuilder, setLegacyMessageOffset, type LegacyMessageSetBuilderOptions } from './legacy.js';
export { readRecordBatches, decodeRecords, decodeRecordsSync, type RecordBatchList } from './record-set.js';
export {
  ControlRecordType,
  buildEndTransactionMarkerBatch,
  controlBatchType,
  parseControlRecordKey,
  parseEndTransactionMarker,
  type ControlRecordKey,
  type EndTransactionMarker,
  type EndTransactionMarkerOptions,
} from './control.js';
export { ReadCommittedFilter, type AbortedTransaction } from './read-committed.js';
export { setBatchBaseOffset, setBatchLogAppendTime, setBatchPartitionLeaderEpoch } from './batch-edit.js';
export { KafkaCorruptRecordError, type RecordContext, type CorruptRecordLocation } from './errors.js';
export { crc32, crc32c, crc32Pure, crc32cPure, crcImplementation } from './crc.js';
export {
  BATCH,
  LEGACY,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  TimestampType,
} from './constants.js';
export type { KafkaRecord, RecordBatch, RecordBytes, RecordHeader, RecordHeaderInput, RecordInput } from './record.js';
export { CompressionType, DEFAULT_MAX_DECOMPRESSED_BYTES, type CompressionName, registerCodec, restoreBuiltInCodec, type Codec } from '../compression/index.js';
