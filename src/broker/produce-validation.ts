/**
 * Validation of a Produce request's records for one partition, in Kafka's order and with its
 * error codes: the request-version rules (ProduceRequest.validateRecords), the batch checks of
 * UnifiedLog.analyzeAndValidateRecords (size, CRC) and of LogValidator (offsets, counts, control
 * batches, sequences), then every record (structure, timestamps, keys of compacted topics, with
 * per-record errors as Produce v8+ reports them).
 *
 * Legacy message sets (magic 0 and 1, sent with Produce v0-v2 to releases before 4.0) are
 * converted to one record batch, as Kafka does since its message format became v2.
 */
import { ErrorCode } from '../protocol/index.js';
import { ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTE_CONTROL, ATTRIBUTE_TIMESTAMP_TYPE, ATTRIBUTE_TRANSACTIONAL } from '../records/constants.js';
import {
  BATCH,
  CompressionType,
  DefaultRecordBatch,
  KafkaCorruptRecordError,
  LEGACY,
  LOG_OVERHEAD,
  LegacyRecordBatch,
  RecordBatchBuilder,
  crc32,
  crc32c,
  setLegacyMessageOffset,
  type KafkaRecord,
} from '../records/index.js';
import type { EffectiveTopicConfig } from './topic-config.js';

/** Kafka's smallest legacy message (LegacyRecord.RECORD_OVERHEAD_V0): anything smaller is corrupt. */
const MIN_RECORD_SIZE_FIELD = 14;
/** Where up-conversion pretends a legacy wrapper sits (any offset above its inner count works). */
const WRAPPER_OFFSET = 2 ** 40;
/** Records decompress to at most this much per batch (a bound against decompression bombs). */
const MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024;

/** One batch ready to append: a private copy of its bytes (offsets still to be written). */
export interface AcceptedBatch {
  readonly bytes: Buffer;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly isTransactional: boolean;
}

export interface RecordError {
  readonly batchIndex: number;
  readonly message: string;
}

export type ProduceValidation =
  | { readonly ok: true; readonly batches: readonly AcceptedBatch[] }
  | { readonly ok: false; readonly errorCode: number; readonly message: string; readonly recordErrors: readonly RecordError[] };

function reject(errorCode: number, message: string, recordErrors: readonly RecordError[] = []): ProduceValidation {
  return { ok: false, errorCode, message, recordErrors };
}

interface RawBatch {
  readonly start: number;
  readonly end: number;
  readonly magic: number;
}

/** Kafka's ByteBufferLogInputStream: whole batches; a cut-off tail is left out (Kafka trims it). */
function splitBatches(records: Buffer): RawBatch[] | ProduceValidation {
  const batches: RawBatch[] = [];
  let position = 0;
  while (records.length - position >= LOG_OVERHEAD) {
    const size = records.readInt32BE(position + LEGACY.size);
    if (size < MIN_RECORD_SIZE_FIELD) return reject(ErrorCode.CORRUPT_MESSAGE, `Record size ${size} is less than the minimum record overhead (${MIN_RECORD_SIZE_FIELD})`);
    const end = position + LOG_OVERHEAD + size;
    if (end > records.length) break;
    const magic = records[position + LEGACY.magic]!;
    if (magic > 2) return reject(ErrorCode.CORRUPT_MESSAGE, `Invalid magic ${magic} found in record`);
    batches.push({ start: position, end, magic });
    position = end;
  }
  return batches;
}

function isValidCrc(records: Buffer, batch: RawBatch): boolean {
  if (batch.magic === 2) {
    if (batch.end - batch.start < BATCH.headerSize) return false;
    return records.readUInt32BE(batch.start + BATCH.crc) === crc32c(records, batch.start + BATCH.attributes, batch.end);
  }
  return records.readUInt32BE(batch.start + LEGACY.crc) === crc32(records, batch.start + LEGACY.magic, batch.end);
}

export interface ValidationContext {
  readonly apiVersion: number;
  readonly config: EffectiveTopicConfig;
  readonly now: number;
  readonly topic: string;
  readonly partition: number;
}

/** Validates a partition's records; accepted batches are copies the log can keep. */
export async function validateProduceRecords(records: Buffer | null, context: ValidationContext): Promise<ProduceValidation> {
  const data = records ?? Buffer.alloc(0);
  const split = splitBatches(data);
  if (!Array.isArray(split)) return split;
  const raw = split;
  if (context.apiVersion >= 3) {
    const first = raw[0];
    if (!first) return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${context.apiVersion} must have at least one record batch per partition`);
    if (first.magic !== 2) {
      return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${context.apiVersion} are only allowed to contain record batches with magic version 2`);
    }
    if (context.apiVersion < 7 && first.end - first.start > BATCH.attributes && (data.readInt16BE(first.start + BATCH.attributes) & ATTRIBUTE_COMPRESSION_MASK) === CompressionType.Zstd) {
      return reject(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${context.apiVersion} are not allowed to use ZStandard compression`);
    }
    if (raw.length > 1) {
      return reject(ErrorCode.INVALID_RECORD, `Produce requests with version ${context.apiVersion} are only allowed to contain exactly one record batch per partition`);
    }
  }
  const where = `${context.topic}-${context.partition}`;
  for (const batch of raw) {
    if (batch.magic === 2 && batch.end - batch.start >= BATCH.headerSize && data.readBigInt64BE(batch.start) !== 0n) {
      return reject(ErrorCode.INVALID_RECORD, `The baseOffset of the record batch in the append to ${where} should be 0, but it is ${data.readBigInt64BE(batch.start)}`);
    }
    const size = batch.end - batch.start;
    if (size > context.config.maxMessageBytes) {
      return reject(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The record batch size in the append to ${where} is ${size} bytes which exceeds the maximum configured value of ${context.config.maxMessageBytes}.`,
      );
    }
    if (!isValidCrc(data, batch)) return reject(ErrorCode.CORRUPT_MESSAGE, `Record is corrupt (stored crc = ${data.readUInt32BE(batch.start + (batch.magic === 2 ? BATCH.crc : LEGACY.crc))}) in topic partition ${where}.`);
  }
  if (raw.length === 0) return { ok: true, batches: [] };
  const firstMagic = raw[0]!.magic;
  if (raw.some((batch) => batch.magic !== firstMagic)) {
    return reject(ErrorCode.INVALID_RECORD, `Batch magic is not the same as the first batch's magic byte ${firstMagic} in topic partition ${where}`);
  }
  try {
    return firstMagic === 2 ? await validateBatches(data, raw, context) : await upConvert(data, raw, context);
  } catch (error) {
    if (error instanceof KafkaCorruptRecordError) return reject(ErrorCode.CORRUPT_MESSAGE, error.message);
    throw error;
  }
}

async function validateBatches(data: Buffer, raw: readonly RawBatch[], context: ValidationContext): Promise<ProduceValidation> {
  const where = `${context.topic}-${context.partition}`;
  const accepted: AcceptedBatch[] = [];
  const compressedCount = raw.filter((batch) => (data.readInt16BE(batch.start + BATCH.attributes) & ATTRIBUTE_COMPRESSION_MASK) !== 0).length;
  if (compressedCount > 0 && raw.length > 1) return reject(ErrorCode.INVALID_RECORD, 'Compressed outer record has more than one batch');
  for (const rawBatch of raw) {
    const batch = new DefaultRecordBatch(data, rawBatch.start, { checkCrcs: false, topic: context.topic, partition: context.partition, maxDecompressedBytes: MAX_DECOMPRESSED_BYTES });
    const count = batch.recordCount;
    if (count <= 0) return reject(ErrorCode.INVALID_RECORD, `Invalid reported count for record batch: ${count} in topic partition ${where}`);
    if (batch.lastOffsetDelta + 1 !== count) {
      return reject(
        ErrorCode.INVALID_RECORD,
        `Inconsistent batch offset range [0, ${batch.lastOffsetDelta}] and count of records ${count} in topic partition ${where}`,
      );
    }
    if (batch.attributes & ATTRIBUTE_CONTROL) return reject(ErrorCode.INVALID_RECORD, `Clients are not allowed to write control records in topic partition ${where}`);
    if (batch.producerId >= 0 && batch.baseSequence < 0) {
      return reject(ErrorCode.INVALID_RECORD, `Invalid sequence number ${batch.baseSequence} in record batch with producerId ${batch.producerId} in topic partition ${where}`);
    }
    const records = await batch.records();
    const recordErrors = validateRecords(records, (batch.attributes & ATTRIBUTE_TIMESTAMP_TYPE) !== 0, context);
    if (recordErrors) return recordErrors;
    accepted.push({
      bytes: Buffer.from(data.subarray(rawBatch.start, rawBatch.end)),
      lastOffsetDelta: batch.lastOffsetDelta,
      maxTimestamp: batch.maxTimestamp,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: (batch.attributes & ATTRIBUTE_TRANSACTIONAL) !== 0,
    });
  }
  return { ok: true, batches: accepted };
}

/** LogValidator's per-record checks; a rejection listing every failing record, or undefined. */
function validateRecords(records: readonly KafkaRecord[], batchSaysLogAppendTime: boolean, context: ValidationContext): ProduceValidation | undefined {
  const errors: RecordError[] = [];
  let timestampError = false;
  const { config, now } = context;
  records.forEach((record, index) => {
    if (config.compacted && record.key === null) {
      errors.push({ batchIndex: index, message: `Compacted topic cannot accept message without key in topic partition ${context.topic}-${context.partition}` });
      return;
    }
    if (!config.logAppendTime && record.timestamp !== -1) {
      const lowest = now - config.timestampBeforeMaxMs;
      const highest = now + config.timestampAfterMaxMs;
      if (record.timestamp < lowest || record.timestamp > highest) {
        timestampError = true;
        errors.push({
          batchIndex: index,
          message: `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. The timestamp should be within [${lowest}, ${highest}]`,
        });
      }
    } else if (batchSaysLogAppendTime) {
      timestampError = true;
      errors.push({ batchIndex: index, message: 'Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.' });
    }
  });
  if (errors.length === 0) return undefined;
  if (timestampError) return reject(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp', errors);
  const shown = errors.slice(0, 3).map((error) => `${error.batchIndex}: ${error.message}`);
  return reject(
    ErrorCode.INVALID_RECORD,
    `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    errors,
  );
}

/** Legacy messages (magic 0/1) become one record batch with their compression, as Kafka converts them. */
async function upConvert(data: Buffer, raw: readonly RawBatch[], context: ValidationContext): Promise<ProduceValidation> {
  const records: KafkaRecord[] = [];
  let compression: number = CompressionType.None;
  for (const rawBatch of raw) {
    // Producers leave offsets 0 (a magic 1 wrapper should carry its last inner offset), and the
    // broker assigns its own: a high wrapper offset (outside the CRC) lets the decoder place the
    // relative inner offsets without going negative.
    const copy = Buffer.from(data.subarray(rawBatch.start, rawBatch.end));
    setLegacyMessageOffset(copy, WRAPPER_OFFSET);
    const message = new LegacyRecordBatch(copy, 0, { checkCrcs: false, topic: context.topic, partition: context.partition, maxDecompressedBytes: MAX_DECOMPRESSED_BYTES });
    if (message.compression !== CompressionType.None) compression = message.compression;
    records.push(...(await message.records()));
  }
  const invalid = validateRecords(records, false, context);
  if (invalid) return invalid;
  if (records.length === 0) return { ok: true, batches: [] };
  const builder = new RecordBatchBuilder({ compression: compression as CompressionType });
  let maxTimestamp = -1;
  records.forEach((record, index) => {
    builder.append({ key: record.key, value: record.value, timestamp: record.timestamp, offset: index });
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  });
  const bytes = Buffer.from(await builder.close());
  return {
    ok: true,
    batches: [{ bytes, lastOffsetDelta: records.length - 1, maxTimestamp, producerId: -1, producerEpoch: -1, baseSequence: -1, isTransactional: false }],
  };
}
