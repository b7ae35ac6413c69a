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
import type { KafkaRecord, RecordBatch, RecordHeader } from './record.js';
import { getInt64 } from './varint.js';

/** Options of the record decoders. */
export interface DecodeOptions extends RecordContext {
  /** Verify CRCs (the Java client's `check.crcs`); default true. */
  checkCrcs?: boolean | undefined;
  /** The most bytes one batch's records may decompress to; default DEFAULT_MAX_DECOMPRESSED_BYTES (64 MiB). */
  maxDecompressedBytes?: number | undefined;
}

const EMPTY_HEADERS: readonly RecordHeader[] = Object.freeze([]);
const MAX_SAFE_BASE = Number.MAX_SAFE_INTEGER - 0x7fffffff;

/** A decode failure inside a records section; turned into a KafkaCorruptRecordError naming the batch. */
class RecordsSectionError extends Error {}

/**
 * Decodes `count` records from buffer[start, end). A small class so that the cursor lives in a
 * field V8 keeps in a register, rather than in a closure.
 */
class RecordsDecoder {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  /** A zigzag varint (32-bit). */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) throw new RecordsSectionError('truncated varint');
    let byte = buf[pos++]!;
    if (byte < 0x80) {
      this.pos = pos;
      return (byte >>> 1) ^ -(byte & 1);
    }
    let raw = byte & 0x7f;
    let shift = 7;
    do {
      if (pos >= this.end) throw new RecordsSectionError('truncated varint');
      byte = buf[pos++]!;
      if (shift === 28 && byte > 0x0f) throw new RecordsSectionError('varint longer than 32 bits');
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    this.pos = pos;
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** A zigzag varlong as a JS number (safe-integer range). */
  varlong(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
    let byte = buf[pos++]!;
    if (byte < 0x80) {
      this.pos = pos;
      return (byte >>> 1) ^ -(byte & 1);
    }
    let raw = byte & 0x7f;
    let multiplier = 128;
    // Up to seven bytes (49 bits) the sum is exact in a double; longer ones take the bigint path.
    for (let i = 1; byte >= 0x80; i++) {
      if (i === 7) return this.longVarlong();
      if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
      byte = buf[pos++]!;
      raw += (byte & 0x7f) * multiplier;
      multiplier *= 128;
    }
    this.pos = pos;
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** A varlong of eight or more bytes, read with bigint and checked against the safe-integer range. */
  private longVarlong(): number {
    const buf = this.buf;
    let pos = this.pos;
    let raw = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) throw new RecordsSectionError('truncated varlong');
      const byte = buf[pos++]!;
      raw |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) {
        const value = (raw >> 1n) ^ -(raw & 1n);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new RecordsSectionError('varlong outside the safe integer range');
        }
        this.pos = pos;
        return Number(value);
      }
    }
    throw new RecordsSectionError('varlong longer than 10 bytes');
  }

  /** Length-prefixed bytes (-1 = null) that must end by `limit`. */
  bytes(limit: number): Buffer | null {
    const length = this.varint();
    if (length < 0) {
      if (length === -1) return null;
      throw new RecordsSectionError(`negative length ${length}`);
    }
    const start = this.pos;
    const stop = start + length;
    if (stop > limit) throw new RecordsSectionError(`length ${length} runs past the end of the record`);
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  decode(count: number, baseOffset: number, baseTimestamp: number, logAppendTime: number): KafkaRecord[] {
    const records: KafkaRecord[] = new Array(count);
    const buf = this.buf;
    for (let i = 0; i < count; i++) {
      const length = this.varint();
      const recordEnd = this.pos + length;
      if (length < MIN_RECORD_SIZE - 1 || recordEnd > this.end) throw new RecordsSectionError(`record ${i} has invalid length ${length}`);
      this.pos++; // attributes: unused
      const timestampDelta = this.varlong();
      const offsetDelta = this.varint();
      const key = this.bytes(recordEnd);
      const value = this.bytes(recordEnd);
      const headerCount = this.varint();
      let headers = EMPTY_HEADERS;
      if (headerCount !== 0) {
        if (headerCount < 0 || headerCount * 2 > recordEnd - this.pos) throw new RecordsSectionError(`record ${i} has invalid header count ${headerCount}`);
        const list: RecordHeader[] = new Array(headerCount);
        for (let h = 0; h < headerCount; h++) {
          const keyLength = this.varint();
          const keyStart = this.pos;
          if (keyLength < 0 || keyStart + keyLength > recordEnd) throw new RecordsSectionError(`record ${i} has a header key of invalid length ${keyLength}`);
          this.pos = keyStart + keyLength;
          list[h] = { key: buf.toString('utf8', keyStart, this.pos), value: this.bytes(recordEnd) };
        }
        headers = list;
      }
      if (this.pos !== recordEnd) throw new RecordsSectionError(`record ${i} is ${length} bytes long but its fields take ${this.pos - recordEnd + length}`);
      const timestamp = logAppendTime >= 0 ? logAppendTime : baseTimestamp + timestampDelta;
      if (!Number.isSafeInteger(timestamp)) throw new RecordsSectionError(`record ${i} has a timestamp outside the safe integer range`);
      records[i] = { offset: baseOffset + offsetDelta, timestamp, key, value, headers };
    }
    if (this.pos !== this.end) throw new RecordsSectionError(`${this.end - this.pos} byte(s) left after the last of ${count} records`);
    return records;
  }
}

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
    return this.decodeSection(isPromiseLike(section) ? await section.catch((error: unknown) => this.rethrow(error)) : section);
  }

  recordsSync(): KafkaRecord[] {
    if (this.decoded) return this.decoded;
    return this.decodeSection(synchronousCodecResult(this.recordsSection(), 'records', this.compression));
  }

  /** The uncompressed records section: a view of the batch, or what the codec returns. */
  private recordsSection(): Buffer | Promise<Buffer> {
    const raw = this.buffer.subarray(BATCH.headerSize);
    if (this.compression === 0) return raw;
    try {
      return decompress(this.compression, raw, {
        magic: 2,
        maxOutputBytes: this.context.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      });
    } catch (error) {
      return this.rethrow(error);
    }
  }

  private decodeSection(section: Buffer): KafkaRecord[] {
    if (this.recordCount * MIN_RECORD_SIZE > section.length) {
      throw this.corrupt(`record count ${this.recordCount} cannot fit in ${section.length} bytes of records`);
    }
    const logAppendTime = this.attributes & ATTRIBUTE_TIMESTAMP_TYPE ? this.maxTimestamp : -1;
    try {
      this.decoded = new RecordsDecoder(section, 0, section.length).decode(this.recordCount, this.baseOffset, this.baseTimestamp, logAppendTime);
    } catch (error) {
      if (error instanceof RecordsSectionError) throw this.corrupt(error.message);
      throw error;
    }
    return this.decoded;
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
