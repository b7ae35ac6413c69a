/**
 * DefaultRecordBatch: a record batch (magic 2) read from fetched bytes. Construction reads and
 * checks the 61-byte header (and the CRC-32C, unless turned off); the records are decoded only by
 * records()/recordsSync(), straight from the fetched buffer (or the decompressed records section),
 * with keys, values and header values returned as views rather than copies.
 */
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decompress, isPromiseLike } from '../compression/registry.js';
import { type CompressionType, compressionName } from '../compression/types.js';
import { KafkaDecodeError, KafkaStateError } from '../protocol/errors.js';
import {
  ATTRIBUTE_COMPRESSION_MASK,
  ATTRIBUTE_CONTROL,
  ATTRIBUTE_DELETE_HORIZON,
  ATTRIBUTE_TIMESTAMP_TYPE,
  ATTRIBUTE_TRANSACTIONAL,
  BATCH,
  LOG_OVERHEAD,
  MIN_RECORD_SIZE,
  TimestampType,
} from './constants.js';
import { crc32c } from './crc.js';
import { KafkaCorruptRecordError, synchronousCodecResult, type RecordContext } from './errors.js';
import type { KafkaRecord, RecordBatch } from './record.js';
import { RecordCursor } from './record-cursor.js';
import { getInt64 } from './varint.js';

/** Options of the record decoders. */
export interface DecodeOptions extends RecordContext {
  /** Verify CRCs (the Java client's `check.crcs`); default true. */
  checkCrcs?: boolean | undefined;
  /** The most bytes one batch's records may decompress to; default DEFAULT_MAX_DECOMPRESSED_BYTES (64 MiB). */
  maxDecompressedBytes?: number | undefined;
}

const MAX_SAFE_BASE = Number.MAX_SAFE_INTEGER - 0x7fffffff;

export class DefaultRecordBatch implements RecordBatch {
  readonly magic = 2;
  readonly buffer: Buffer;
  readonly baseOffset: number;
  readonly lastOffsetDelta: number;
  readonly partitionLeaderEpoch: number;
  readonly crc: number;
  readonly attributes: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
  private readonly context: DecodeOptions;
  private decoded: KafkaRecord[] | undefined;

  /**
   * Reads the batch at buffer[start, start + 12 + batchLength); the caller has checked that those
   * bytes are there and that the magic byte is 2.
   */
  constructor(buffer: Buffer, start: number, options: DecodeOptions = {}) {
    this.context = options;
    const batchLength = buffer.readInt32BE(start + BATCH.batchLength);
    const end = start + LOG_OVERHEAD + batchLength;
    this.buffer = buffer.subarray(start, end);
    const b = this.buffer;
    const baseOffset = getInt64(b, BATCH.baseOffset);
    if (!(baseOffset >= 0 && baseOffset <= MAX_SAFE_BASE)) {
      throw new KafkaCorruptRecordError(`batch base offset is negative or outside the safe integer range`, { ...this.where(), position: start });
    }
    this.baseOffset = baseOffset;
    if (batchLength < BATCH.headerSize - LOG_OVERHEAD) {
      throw this.corrupt(`batch length ${batchLength} is smaller than a batch header`);
    }
    this.partitionLeaderEpoch = b.readInt32BE(BATCH.partitionLeaderEpoch);
    this.crc = b.readUInt32BE(BATCH.crc);
    this.attributes = b.readInt16BE(BATCH.attributes);
    this.lastOffsetDelta = b.readInt32BE(BATCH.lastOffsetDelta);
    this.baseTimestamp = getInt64(b, BATCH.baseTimestamp);
    this.maxTimestamp = getInt64(b, BATCH.maxTimestamp);
    this.producerId = getInt64(b, BATCH.producerId);
    this.producerEpoch = b.readInt16BE(BATCH.producerEpoch);
    this.baseSequence = b.readInt32BE(BATCH.baseSequence);
    this.recordCount = b.readInt32BE(BATCH.recordCount);
    if (options.checkCrcs !== false) {
      const computed = crc32c(b, BATCH.attributes, b.length);
      if (computed !== this.crc) throw this.corrupt(`CRC-32C mismatch: stored ${this.crc}, computed ${computed}`);
    }
    if (Number.isNaN(this.baseTimestamp) || Number.isNaN(this.maxTimestamp)) throw this.corrupt('batch timestamp outside the safe integer range');
    if (Number.isNaN(this.producerId)) throw this.corrupt('producer id outside the safe integer range');
    if (this.lastOffsetDelta < 0) throw this.corrupt(`negative last offset delta ${this.lastOffsetDelta}`);
    if (this.compression > 4) throw this.corrupt(`unknown compression type ${this.compression}`);
    if (this.recordCount < 0) throw this.corrupt(`negative record count ${this.recordCount}`);
    if (this.compression === 0 && this.recordCount * MIN_RECORD_SIZE > b.length - BATCH.headerSize) {
      throw this.corrupt(`record count ${this.recordCount} cannot fit in ${b.length - BATCH.headerSize} bytes`);
    }
  }

  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }

  get nextOffset(): number {
    return this.baseOffset + this.lastOffsetDelta + 1;
  }

  get compression(): CompressionType {
    return (this.attributes & ATTRIBUTE_COMPRESSION_MASK) as CompressionType;
  }

  get timestampType(): TimestampType {
    return this.attributes & ATTRIBUTE_TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }

  get isTransactional(): boolean {
    return (this.attributes & ATTRIBUTE_TRANSACTIONAL) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & ATTRIBUTE_CONTROL) !== 0;
  }

  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTRIBUTE_DELETE_HORIZON) !== 0;
  }

  /** The delete horizon (KIP-534) when the bit is set: it is stored in the base timestamp. */
  get deleteHorizonMs(): number | null {
    return this.hasDeleteHorizon ? this.baseTimestamp : null;
  }

  /** The sequence number of the last record, wrapping past int32 max as the Java client does. */
  get lastSequence(): number {
    if (this.baseSequence < 0) return -1;
    const last = this.baseSequence + this.lastOffsetDelta;
    return last > 0x7fffffff ? last - 0x80000000 : last;
  }

  get sizeInBytes(): number {
    return this.buffer.length;
  }

  async records(): Promise<KafkaRecord[]> {
    if (this.decoded) return this.decoded;
    const section = this.recordsSection();
    return this.decodeSection(isPromiseLike(section) ? await section : section);
  }

  recordsSync(): KafkaRecord[] {
    if (this.decoded) return this.decoded;
    return this.decodeSection(synchronousCodecResult(this.recordsSection(), 'records', this.compression));
  }

  /**
   * The uncompressed records section: a view of the batch, or what the codec returns (a promise
   * for an asynchronous codec). Codec failures are KafkaCorruptRecordErrors naming the batch.
   */
  recordsSection(): Buffer | Promise<Buffer> {
    const raw = this.buffer.subarray(BATCH.headerSize);
    if (this.compression === 0) return raw;
    try {
      const section = decompress(this.compression, raw, {
        magic: 2,
        maxOutputBytes: this.context.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      });
      return isPromiseLike(section) ? section.catch((error: unknown) => this.rethrow(error)) : section;
    } catch (error) {
      return this.rethrow(error);
    }
  }

  /** A cursor over the records of `section` (what recordsSection() gave). */
  cursor(section: Buffer): RecordCursor {
    return new RecordCursor(section, this, this.context);
  }

  private decodeSection(section: Buffer): KafkaRecord[] {
    const cursor = this.cursor(section);
    const records: KafkaRecord[] = new Array(this.recordCount);
    for (let i = 0; i < records.length; i++) {
      cursor.next(-Infinity);
      records[i] = { offset: cursor.offset, timestamp: cursor.timestamp, key: cursor.key, value: cursor.value, headers: cursor.headers };
    }
    this.decoded = records;
    return records;
  }

  private rethrow(error: unknown): never {
    if (error instanceof KafkaDecodeError && !(error instanceof KafkaCorruptRecordError)) throw this.corrupt(error.message, error);
    if (error instanceof KafkaCorruptRecordError || error instanceof KafkaStateError) throw error;
    throw this.corrupt(`${compressionName(this.compression)} codec failed: ${(error as Error)?.message ?? String(error)}`, error);
  }

  private where(): { topic?: string | undefined; partition?: number | undefined } {
    return { topic: this.context.topic, partition: this.context.partition };
  }

  private corrupt(detail: string, cause?: unknown): KafkaCorruptRecordError {
    return new KafkaCorruptRecordError(detail, { ...this.where(), offset: this.baseOffset }, cause);
  }
}
