/**
 * RecordBatchBuilder: writes a record batch (magic 2) straight into one buffer, the way the Java
 * client's MemoryRecordsBuilder does. The producer keeps one open builder per partition, appends
 * records as they come (`hasRoomFor` tells when the batch is full) and closes it when it sends:
 *
 *   const builder = new RecordBatchBuilder({ compression: 'lz4', writeLimit: 16384, producerId, ... });
 *   while (builder.hasRoomFor(record)) builder.append(record);
 *   const batch = builder.closeSync();   // or: await builder.close() for asynchronous codecs
 *
 * Each record is encoded once, in place, behind a reserved 61-byte header; `close` compresses the
 * records section if asked, then fills in the header, lengths and the CRC-32C.
 */
import { compress, isPromiseLike } from '../compression/registry.js';
import { CompressionType, type CompressionName, toCompressionType } from '../compression/types.js';
import { KafkaInvalidArgumentError, KafkaStateError } from '../protocol/errors.js';
import { Writer } from '../protocol/primitives/writer.js';
import {
  ATTRIBUTE_CONTROL,
  ATTRIBUTE_DELETE_HORIZON,
  ATTRIBUTE_TIMESTAMP_TYPE,
  ATTRIBUTE_TRANSACTIONAL,
  BATCH,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  TimestampType,
} from './constants.js';
import { crc32c } from './crc.js';
import { synchronousCodecResult } from './errors.js';
import type { RecordBytes, RecordHeaderInput, RecordInput } from './record.js';
import { putInt64, putVarint, putVarlong, sizeOfVarint, sizeOfVarlong } from './varint.js';

const INT32_MAX = 0x7fffffff;
/** The Java client pads compressed size estimates by 5% so that batches rarely overshoot. */
const COMPRESSION_ESTIMATE_FACTOR = 1.05;

export interface RecordBatchBuilderOptions {
  compression?: CompressionType | CompressionName | undefined;
  /** The codec's level (`compression.gzip.level`, `compression.lz4.level`, `compression.zstd.level`). */
  compressionLevel?: number | undefined;
  /** The offset of the first record; producers leave it 0 (the broker assigns offsets). */
  baseOffset?: number | undefined;
  partitionLeaderEpoch?: number | undefined;
  timestampType?: TimestampType | undefined;
  /** For a LogAppendTime batch: the broker's append time, written as maxTimestamp. */
  logAppendTime?: number | undefined;
  producerId?: number | undefined;
  producerEpoch?: number | undefined;
  baseSequence?: number | undefined;
  isTransactional?: boolean | undefined;
  isControl?: boolean | undefined;
  /** Sets the delete-horizon bit; the batch's base timestamp then holds this time (KIP-534). */
  deleteHorizonMs?: number | undefined;
  /** The size the batch should not grow past (the producer's `batch.size`), used by hasRoomFor. */
  writeLimit?: number | undefined;
  /** Bytes to allocate up front; defaults to writeLimit (capped at 1 MiB) or 1 KiB. */
  initialCapacity?: number | undefined;
  /** Expected compressed/uncompressed size ratio, for size estimates of compressed batches (default 1). */
  estimatedCompressionRatio?: number | undefined;
  /** The clock for records without a timestamp (default Date.now). */
  now?: (() => number) | undefined;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KafkaInvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function checkSafe(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new KafkaInvalidArgumentError(`${name} must be a safe integer, got ${value}`);
  return value;
}

/** The encoded byte length of record bytes (-1 for null). */
function byteLengthOf(bytes: RecordBytes | null | undefined): number {
  if (bytes === null || bytes === undefined) return -1;
  if (typeof bytes === 'string') return Buffer.byteLength(bytes, 'utf8');
  if (bytes instanceof Uint8Array) return bytes.length;
  throw new KafkaInvalidArgumentError(`record keys, values and header values must be Uint8Array, string or null, got ${typeof bytes}`);
}

function putBytes(buffer: Buffer, pos: number, bytes: RecordBytes | null | undefined, length: number): number {
  pos = putVarint(buffer, pos, length);
  if (length <= 0) return pos;
  if (typeof bytes === 'string') {
    buffer.write(bytes, pos, length, 'utf8');
  } else if (length < 32) {
    const source = bytes as Uint8Array;
    for (let i = 0; i < length; i++) buffer[pos + i] = source[i]!;
  } else {
    buffer.set(bytes as Uint8Array, pos);
  }
  return pos + length;
}

function headersSize(headers: readonly RecordHeaderInput[] | undefined): number {
  if (headers === undefined) return 1;
  let size = sizeOfVarint(headers.length);
  for (const header of headers) {
    if (typeof header?.key !== 'string') throw new KafkaInvalidArgumentError('record header keys must be strings');
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    const valueLength = byteLengthOf(header.value);
    size += sizeOfVarint(keyLength) + keyLength + sizeOfVarint(valueLength) + Math.max(0, valueLength);
  }
  return size;
}

/**
 * The most bytes a record can take in a batch (its size with the largest possible offset and
 * timestamp deltas), like the Java client's estimate used to decide whether a batch has room.
 */
export function recordSizeUpperBound(record: RecordInput): number {
  const keyLength = byteLengthOf(record.key);
  const valueLength = byteLengthOf(record.value);
  const body =
    1 + 10 + 5 + sizeOfVarint(keyLength) + Math.max(0, keyLength) + sizeOfVarint(valueLength) + Math.max(0, valueLength) + headersSize(record.headers);
  return sizeOfVarint(body) + body;
}

export class RecordBatchBuilder {
  readonly compression: CompressionType;
  readonly baseOffset: number;
  private readonly writer: Writer;
  private readonly compressionLevel: number | undefined;
  private readonly partitionLeaderEpoch: number;
  private readonly timestampType: TimestampType;
  private readonly logAppendTime: number;
  private readonly producerId: number;
  private readonly producerEpoch: number;
  private readonly baseSequence: number;
  private readonly attributeFlags: number;
  private readonly deleteHorizonMs: number | undefined;
  private readonly writeLimit: number;
  private readonly estimatedRatio: number;
  private readonly now: () => number;
  private count = 0;
  private firstTimestamp = 0;
  private maxTimestamp = -1;
  private lastOffset = -1;
  private closed = false;
  private compressedRatio = 1;

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.compression = toCompressionType(options.compression ?? CompressionType.None);
    this.compressionLevel = options.compressionLevel;
    this.baseOffset = checkSafe('baseOffset', options.baseOffset ?? 0);
    this.partitionLeaderEpoch = checkInt('partitionLeaderEpoch', options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -1, INT32_MAX);
    this.timestampType = options.timestampType ?? TimestampType.CreateTime;
    if (this.timestampType !== TimestampType.CreateTime && this.timestampType !== TimestampType.LogAppendTime) {
      throw new KafkaInvalidArgumentError(`unknown timestamp type ${String(this.timestampType)}`);
    }
    this.logAppendTime = checkSafe('logAppendTime', options.logAppendTime ?? -1);
    if (this.timestampType === TimestampType.LogAppendTime && options.logAppendTime === undefined) {
      throw new KafkaInvalidArgumentError('a LogAppendTime batch needs logAppendTime');
    }
    this.producerId = checkSafe('producerId', options.producerId ?? NO_PRODUCER_ID);
    this.producerEpoch = checkInt('producerEpoch', options.producerEpoch ?? NO_PRODUCER_EPOCH, -1, 0x7fff);
    this.baseSequence = checkInt('baseSequence', options.baseSequence ?? NO_SEQUENCE, -1, INT32_MAX);
    this.deleteHorizonMs = options.deleteHorizonMs === undefined ? undefined : checkSafe('deleteHorizonMs', options.deleteHorizonMs);
    this.attributeFlags =
      this.compression |
      (this.timestampType === TimestampType.LogAppendTime ? ATTRIBUTE_TIMESTAMP_TYPE : 0) |
      (options.isTransactional ? ATTRIBUTE_TRANSACTIONAL : 0) |
      (options.isControl ? ATTRIBUTE_CONTROL : 0) |
      (this.deleteHorizonMs !== undefined ? ATTRIBUTE_DELETE_HORIZON : 0);
    this.writeLimit = options.writeLimit ?? Number.POSITIVE_INFINITY;
    if (!(this.writeLimit > 0)) throw new KafkaInvalidArgumentError(`writeLimit must be positive, got ${this.writeLimit}`);
    this.estimatedRatio = options.estimatedCompressionRatio ?? 1;
    this.now = options.now ?? Date.now;
    const capacity = options.initialCapacity ?? (Number.isFinite(this.writeLimit) ? Math.min(this.writeLimit, 1 << 20) : 1024);
    this.writer = new Writer(Math.max(capacity, BATCH.headerSize + 64));
    this.writer.reserve(BATCH.headerSize);
  }

  get recordCount(): number {
    return this.count;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes of the records section before compression. */
  get uncompressedRecordsSize(): number {
    return this.writer.offset - BATCH.headerSize;
  }

  /** After close(): compressed / uncompressed size of the records section (1 without compression). */
  get compressionRatio(): number {
    return this.compressedRatio;
  }

  /** The batch's size if closed now: exact without compression, an estimate with it. */
  estimatedSizeInBytes(): number {
    if (this.compression === CompressionType.None) return this.writer.offset;
    return BATCH.headerSize + Math.ceil(this.uncompressedRecordsSize * this.estimatedRatio * COMPRESSION_ESTIMATE_FACTOR);
  }

  /** Whether the record fits under writeLimit. An empty batch always has room (a large record gets its own batch). */
  hasRoomFor(record: RecordInput): boolean {
    if (this.closed) return false;
    if (this.count === 0) return true;
    const recordSize = recordSizeUpperBound(record);
    const estimate = this.compression === CompressionType.None ? recordSize : recordSize * this.estimatedRatio * COMPRESSION_ESTIMATE_FACTOR;
    return this.estimatedSizeInBytes() + estimate <= this.writeLimit;
  }

  /** Appends a record; returns its offset. */
  append(record: RecordInput): number {
    if (this.closed) throw new KafkaStateError('cannot append to a closed record batch');
    let offset: number;
    if (record.offset === undefined) {
      offset = this.count === 0 ? this.baseOffset : this.lastOffset + 1;
    } else {
      offset = checkSafe('offset', record.offset);
      if (this.count > 0 ? offset <= this.lastOffset : offset < this.baseOffset) {
        throw new KafkaInvalidArgumentError(`record offset ${offset} does not follow ${this.count > 0 ? this.lastOffset : this.baseOffset - 1}: offsets must increase`);
      }
    }
    const offsetDelta = offset - this.baseOffset;
    if (offsetDelta > INT32_MAX) throw new KafkaInvalidArgumentError(`record offset ${offset} is too far from base offset ${this.baseOffset}`);
    const timestamp = record.timestamp === undefined ? this.now() : checkSafe('timestamp', record.timestamp);
    if (this.count === 0) this.firstTimestamp = this.deleteHorizonMs ?? timestamp;
    const timestampDelta = timestamp - this.firstTimestamp;

    const key = record.key;
    const value = record.value;
    const headers = record.headers;
    const keyLength = byteLengthOf(key);
    const valueLength = byteLengthOf(value);
    const bodySize =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarint(keyLength) +
      (keyLength > 0 ? keyLength : 0) +
      sizeOfVarint(valueLength) +
      (valueLength > 0 ? valueLength : 0) +
      headersSize(headers);
    if (bodySize > INT32_MAX - 5) throw new KafkaInvalidArgumentError(`record of ${bodySize} bytes is too large`);

    const writer = this.writer;
    writer.ensure(bodySize + 5);
    const buffer = writer.buffer;
    let pos = putVarint(buffer, writer.offset, bodySize);
    buffer[pos++] = 0; // record attributes: unused
    pos = putVarlong(buffer, pos, timestampDelta);
    pos = putVarint(buffer, pos, offsetDelta);
    pos = putBytes(buffer, pos, key, keyLength);
    pos = putBytes(buffer, pos, value, valueLength);
    if (headers === undefined) {
      buffer[pos++] = 0;
    } else {
      pos = putVarint(buffer, pos, headers.length);
      for (const header of headers) {
        pos = putBytes(buffer, pos, header.key, Buffer.byteLength(header.key, 'utf8'));
        pos = putBytes(buffer, pos, header.value, byteLengthOf(header.value));
      }
    }
    writer.offset = pos;

    this.count++;
    this.lastOffset = offset;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return offset;
  }

  /** Closes the batch and returns its bytes; throws KafkaStateError if the codec is asynchronous. */
  closeSync(): Buffer {
    const records = this.beginClose();
    if (records === undefined) return this.finish(undefined);
    return this.finish(synchronousCodecResult(compress(this.compression, records, { magic: 2, level: this.compressionLevel }), 'close'));
  }

  /** Closes the batch and returns its bytes, awaiting the codec if it is asynchronous. */
  async close(): Promise<Buffer> {
    const records = this.beginClose();
    if (records === undefined) return this.finish(undefined);
    const compressed = compress(this.compression, records, { magic: 2, level: this.compressionLevel });
    return this.finish(isPromiseLike(compressed) ? await compressed : compressed);
  }

  /** Marks the builder closed; returns the records section to compress, if there is compression. */
  private beginClose(): Buffer | undefined {
    if (this.closed) throw new KafkaStateError('record batch already closed');
    this.closed = true;
    if (this.compression === CompressionType.None || this.count === 0) return undefined;
    return this.writer.buffer.subarray(BATCH.headerSize, this.writer.offset);
  }

  private finish(compressedRecords: Buffer | undefined): Buffer {
    // An empty builder produces no batch at all, as the Java client's does.
    if (this.count === 0) return Buffer.alloc(0);
    let batch: Buffer;
    if (compressedRecords === undefined) {
      batch = this.writer.finish();
    } else {
      const uncompressedSize = this.uncompressedRecordsSize;
      this.compressedRatio = uncompressedSize === 0 ? 1 : compressedRecords.length / uncompressedSize;
      const size = BATCH.headerSize + compressedRecords.length;
      // Usually the compressed records fit where the uncompressed ones were: no new buffer then.
      batch = size <= this.writer.buffer.length ? this.writer.buffer.subarray(0, size) : Buffer.allocUnsafe(size);
      batch.set(compressedRecords, BATCH.headerSize);
    }
    putInt64(batch, BATCH.baseOffset, this.baseOffset);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH.batchLength);
    batch.writeInt32BE(this.partitionLeaderEpoch, BATCH.partitionLeaderEpoch);
    batch[BATCH.magic] = 2;
    batch.writeInt16BE(this.attributeFlags, BATCH.attributes);
    batch.writeInt32BE(this.lastOffset - this.baseOffset, BATCH.lastOffsetDelta);
    putInt64(batch, BATCH.baseTimestamp, this.firstTimestamp);
    putInt64(batch, BATCH.maxTimestamp, this.timestampType === TimestampType.LogAppendTime ? this.logAppendTime : this.maxTimestamp);
    putInt64(batch, BATCH.producerId, this.producerId);
    batch.writeInt16BE(this.producerEpoch, BATCH.producerEpoch);
    batch.writeInt32BE(this.baseSequence, BATCH.baseSequence);
    batch.writeInt32BE(this.count, BATCH.recordCount);
    batch.writeUInt32BE(crc32c(batch, BATCH.attributes, batch.length), BATCH.crc);
    return batch;
  }
}
