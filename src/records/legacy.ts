/**
 * Legacy message sets (magic 0 and 1), as written by Kafka before 0.11 and still found in old
 * topics. A message is: offset int64, size int32, crc uint32 (CRC-32 IEEE of what follows),
 * magic int8, attributes int8 (codec in bits 0-2, timestamp type in bit 3 for magic 1),
 * timestamp int64 (magic 1 only), key and value as int32-length bytes (-1 = null).
 *
 * A compressed message is a wrapper whose value is a compressed message set. Inner offsets are
 * absolute in magic 0 and relative (0, 1, ...) in magic 1, where the wrapper carries the absolute
 * offset of the last inner message. In a magic 1 LogAppendTime wrapper, the wrapper's timestamp
 * applies to every inner message.
 */
import { DEFAULT_MAX_DECOMPRESSED_BYTES, compress, decompress, isPromiseLike } from '../compression/registry.js';
import { CompressionType, type CompressionName, compressionName, toCompressionType } from '../compression/types.js';
import { KafkaDecodeError, KafkaInvalidArgumentError, KafkaStateError } from '../protocol/errors.js';
import { Writer } from '../protocol/primitives/writer.js';
import type { DecodeOptions } from './batch.js';
import {
  ATTRIBUTE_COMPRESSION_MASK,
  ATTRIBUTE_TIMESTAMP_TYPE,
  LEGACY,
  LEGACY_MIN_SIZE_V0,
  LEGACY_MIN_SIZE_V1,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  TimestampType,
} from './constants.js';
import { crc32 } from './crc.js';
import { KafkaCorruptRecordError, synchronousCodecResult } from './errors.js';
import type { KafkaRecord, RecordBatch, RecordBytes, RecordHeader, RecordInput } from './record.js';
import { getInt64, putInt64 } from './varint.js';

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** One legacy message's fields, as parsed (key and value are views). */
interface LegacyMessage {
  offset: number;
  magic: number;
  attributes: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  crc: number;
}

/** The smallest size (after the offset and size fields) a message of this magic can have. */
function minimumSize(magic: number): number {
  return (magic === 0 ? LEGACY_MIN_SIZE_V0 : LEGACY_MIN_SIZE_V1) - LOG_OVERHEAD;
}

/**
 * Parses the message at buffer[start, start + 12 + size): the caller has checked that the bytes are
 * there. Throws a plain string describing the problem, which callers wrap with their location.
 */
function parseMessage(buffer: Buffer, start: number, checkCrcs: boolean): LegacyMessage {
  const size = buffer.readInt32BE(start + LEGACY.size);
  const end = start + LOG_OVERHEAD + size;
  const magic = buffer[start + LEGACY.magic]!;
  if (magic > 1) throw new KafkaDecodeError(`magic ${magic} message inside a legacy message set`);
  if (size < minimumSize(magic)) throw new KafkaDecodeError(`message size ${size} is smaller than a magic ${magic} message`);
  const offset = getInt64(buffer, start + LEGACY.offset);
  if (Number.isNaN(offset)) throw new KafkaDecodeError('offset outside the safe integer range');
  const crc = buffer.readUInt32BE(start + LEGACY.crc);
  if (checkCrcs) {
    const computed = crc32(buffer, start + LEGACY.magic, end);
    if (computed !== crc) throw new KafkaDecodeError(`CRC-32 mismatch: stored ${crc}, computed ${computed}`);
  }
  const attributes = buffer[start + LEGACY.attributes]!;
  let pos = start + (magic === 0 ? LEGACY.headerSizeV0 : LEGACY.headerSizeV1);
  const timestamp = magic === 0 ? NO_TIMESTAMP : getInt64(buffer, start + LEGACY.timestamp);
  if (Number.isNaN(timestamp)) throw new KafkaDecodeError('timestamp outside the safe integer range');
  const readBytes = (): Buffer | null => {
    if (pos + 4 > end) throw new KafkaDecodeError('truncated key or value length');
    const length = buffer.readInt32BE(pos);
    pos += 4;
    if (length === -1) return null;
    if (length < 0 || pos + length > end) throw new KafkaDecodeError(`key or value length ${length} runs past the end of the message`);
    pos += length;
    return buffer.subarray(pos - length, pos);
  };
  const key = readBytes();
  const value = readBytes();
  if (pos !== end) throw new KafkaDecodeError(`${end - pos} byte(s) left after the message's value`);
  return { offset, magic, attributes, timestamp, key, value, crc };
}

/**
 * One message of a legacy message set: a plain message (one record) or a compressed wrapper
 * (its records are the inner message set, decompressed on demand).
 */
export class LegacyRecordBatch implements RecordBatch {
  readonly magic: number;
  readonly buffer: Buffer;
  readonly attributes: number;
  readonly crc: number;
  /** The wrapper's (or plain message's) own offset: for a wrapper, that of its last inner message. */
  readonly lastOffset: number;
  /** The message's timestamp (-1 for magic 0). */
  readonly maxTimestamp: number;
  readonly partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
  readonly producerId = NO_PRODUCER_ID;
  readonly producerEpoch = NO_PRODUCER_EPOCH;
  readonly baseSequence = NO_SEQUENCE;
  readonly isTransactional = false;
  readonly isControl = false;
  private readonly message: LegacyMessage;
  private readonly options: DecodeOptions;
  private decoded: KafkaRecord[] | undefined;

  /** Reads the message at buffer[start, start + 12 + size), which the caller has checked is there. */
  constructor(buffer: Buffer, start: number, options: DecodeOptions = {}) {
    this.options = options;
    const size = buffer.readInt32BE(start + LEGACY.size);
    this.buffer = buffer.subarray(start, start + LOG_OVERHEAD + size);
    try {
      this.message = parseMessage(this.buffer, 0, options.checkCrcs !== false);
    } catch (error) {
      const offset = getInt64(this.buffer, 0);
      throw new KafkaCorruptRecordError((error as Error).message, { topic: options.topic, partition: options.partition, offset: Number.isNaN(offset) ? undefined : offset, position: start }, error);
    }
    this.magic = this.message.magic;
    this.attributes = this.message.attributes;
    this.crc = this.message.crc;
    this.lastOffset = this.message.offset;
    this.maxTimestamp = this.message.timestamp;
    if (this.compression > 4) throw this.corrupt(`unknown compression type ${this.compression}`);
    if (this.compression !== CompressionType.None && this.message.value === null) throw this.corrupt('compressed wrapper message without a value');
  }

  get compression(): CompressionType {
    return (this.attributes & ATTRIBUTE_COMPRESSION_MASK) as CompressionType;
  }

  get timestampType(): TimestampType {
    return this.magic > 0 && this.attributes & ATTRIBUTE_TIMESTAMP_TYPE ? TimestampType.LogAppendTime : TimestampType.CreateTime;
  }

  /**
   * The first offset. For a compressed wrapper that offset is only in the inner messages, so (as the
   * Java client does) reading it decompresses the wrapper, synchronously.
   */
  get baseOffset(): number {
    if (this.compression === CompressionType.None) return this.lastOffset;
    const records = this.recordsSync();
    return records.length === 0 ? this.lastOffset : records[0]!.offset;
  }

  get nextOffset(): number {
    return this.lastOffset + 1;
  }

  get recordCount(): number | undefined {
    if (this.compression === CompressionType.None) return 1;
    return this.decoded?.length;
  }

  get sizeInBytes(): number {
    return this.buffer.length;
  }

  /** The message's key and value (for a wrapper: its key, usually null, and the compressed inner set). */
  get key(): Buffer | null {
    return this.message.key;
  }

  get value(): Buffer | null {
    return this.message.value;
  }

  async records(): Promise<KafkaRecord[]> {
    if (this.decoded) return this.decoded;
    if (this.compression === CompressionType.None) return this.plainRecord();
    const inner = this.decompressInner();
    return this.decodeInner(isPromiseLike(inner) ? await inner.catch((error: unknown) => this.rethrow(error)) : inner);
  }

  recordsSync(): KafkaRecord[] {
    if (this.decoded) return this.decoded;
    if (this.compression === CompressionType.None) return this.plainRecord();
    return this.decodeInner(synchronousCodecResult(this.decompressInner(), 'records', this.compression));
  }

  private plainRecord(): KafkaRecord[] {
    const m = this.message;
    this.decoded = [{ offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: NO_HEADERS }];
    return this.decoded;
  }

  private decompressInner(): Buffer | Promise<Buffer> {
    try {
      return decompress(this.compression, this.message.value!, {
        magic: this.magic,
        maxOutputBytes: this.options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      });
    } catch (error) {
      return this.rethrow(error);
    }
  }

  private decodeInner(inner: Buffer): KafkaRecord[] {
    const messages: LegacyMessage[] = [];
    let pos = 0;
    try {
      while (pos < inner.length) {
        if (pos + LOG_OVERHEAD + 1 > inner.length) throw new KafkaDecodeError('truncated inner message');
        const size = inner.readInt32BE(pos + LEGACY.size);
        if (size < 0 || pos + LOG_OVERHEAD + size > inner.length) throw new KafkaDecodeError(`inner message of ${size} bytes runs past the decompressed set`);
        const message = parseMessage(inner, pos, this.options.checkCrcs !== false);
        if (message.attributes & ATTRIBUTE_COMPRESSION_MASK) throw new KafkaDecodeError('compressed message nested inside a compressed message');
        messages.push(message);
        pos += LOG_OVERHEAD + size;
      }
    } catch (error) {
      throw this.corrupt(`inner message set: ${(error as Error).message}`, error);
    }
    if (messages.length === 0) throw this.corrupt('compressed wrapper holds no messages');
    // Magic 1 wrappers hold relative inner offsets; the wrapper's offset is that of the last one.
    const shift = this.magic > 0 ? this.lastOffset - messages[messages.length - 1]!.offset : 0;
    const logAppendTime = this.timestampType === TimestampType.LogAppendTime ? this.maxTimestamp : -1;
    const records: KafkaRecord[] = new Array(messages.length);
    let previous = -1;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const offset = m.offset + shift;
      if (offset <= previous || offset < 0) throw this.corrupt(`inner offsets do not increase (${offset} after ${previous})`);
      previous = offset;
      const timestamp = logAppendTime >= 0 ? logAppendTime : m.magic === 0 ? NO_TIMESTAMP : m.timestamp;
      records[i] = { offset, timestamp, key: m.key, value: m.value, headers: NO_HEADERS };
    }
    this.decoded = records;
    return records;
  }

  private rethrow(error: unknown): never {
    if (error instanceof KafkaCorruptRecordError || error instanceof KafkaStateError) throw error;
    const detail = error instanceof KafkaDecodeError ? error.message : `${compressionName(this.compression)} codec failed: ${(error as Error)?.message ?? String(error)}`;
    throw this.corrupt(detail, error);
  }

  private corrupt(detail: string, cause?: unknown): KafkaCorruptRecordError {
    return new KafkaCorruptRecordError(detail, { topic: this.options.topic, partition: this.options.partition, offset: this.lastOffset }, cause);
  }
}

export interface LegacyMessageSetBuilderOptions {
  magic: 0 | 1;
  compression?: CompressionType | CompressionName | undefined;
  compressionLevel?: number | undefined;
  /** The offset of the first message (default 0). */
  baseOffset?: number | undefined;
  /** Magic 1 only. */
  timestampType?: TimestampType | undefined;
  /** For a magic 1 LogAppendTime set: the broker's append time. */
  logAppendTime?: number | undefined;
  now?: (() => number) | undefined;
}

function toBytes(value: RecordBytes | null | undefined): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new KafkaInvalidArgumentError(`record keys and values must be Uint8Array, string or null, got ${typeof value}`);
}

/** Writes one message (offset, size, crc, magic, attributes, [timestamp], key, value). */
function writeMessage(writer: Writer, offset: number, magic: number, attributes: number, timestamp: number, key: Uint8Array | null, value: Uint8Array | null): void {
  const start = writer.offset;
  writer.writeInt64Number(offset);
  const sizeAt = writer.reserve(8); // size and crc, filled in below
  writer.writeInt8(magic);
  writer.writeInt8(attributes);
  if (magic === 1) writer.writeInt64Number(timestamp);
  writer.writeNullableBytes(key);
  writer.writeNullableBytes(value);
  const buffer = writer.buffer;
  buffer.writeInt32BE(writer.offset - start - LOG_OVERHEAD, sizeAt);
  buffer.writeUInt32BE(crc32(buffer, start + LEGACY.magic, writer.offset), sizeAt + 4);
}

/**
 * Writes a legacy message set (magic 0 or 1), compressed into one wrapper message if asked: for
 * brokers and tests that need the old formats. Records cannot have headers in these formats.
 */
export class LegacyMessageSetBuilder {
  readonly magic: 0 | 1;
  readonly compression: CompressionType;
  private readonly compressionLevel: number | undefined;
  private readonly baseOffset: number;
  private readonly timestampType: TimestampType;
  private readonly logAppendTime: number;
  private readonly now: () => number;
  private readonly writer = new Writer(1024);
  private lastOffset = -1;
  private maxTimestamp = -1;
  private count = 0;
  private closed = false;

  constructor(options: LegacyMessageSetBuilderOptions) {
    if (options.magic !== 0 && options.magic !== 1) throw new KafkaInvalidArgumentError(`legacy magic must be 0 or 1, got ${String(options.magic)}`);
    this.magic = options.magic;
    this.compression = toCompressionType(options.compression ?? CompressionType.None);
    if (this.compression === CompressionType.Zstd) throw new KafkaInvalidArgumentError('zstd needs record batches (magic 2)');
    this.compressionLevel = options.compressionLevel;
    this.baseOffset = options.baseOffset ?? 0;
    if (!Number.isSafeInteger(this.baseOffset) || this.baseOffset < 0) throw new KafkaInvalidArgumentError(`baseOffset must be a non-negative safe integer, got ${this.baseOffset}`);
    this.timestampType = options.timestampType ?? TimestampType.CreateTime;
    if (this.magic === 0 && this.timestampType !== TimestampType.CreateTime) throw new KafkaInvalidArgumentError('magic 0 messages have no timestamp type');
    if (this.timestampType === TimestampType.LogAppendTime && options.logAppendTime === undefined) throw new KafkaInvalidArgumentError('a LogAppendTime set needs logAppendTime');
    this.logAppendTime = options.logAppendTime ?? -1;
    this.now = options.now ?? Date.now;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Appends a message; returns its offset. */
  append(record: RecordInput): number {
    if (this.closed) throw new KafkaStateError('cannot append to a closed message set');
    if (record.headers !== undefined && record.headers.length > 0) throw new KafkaInvalidArgumentError(`magic ${this.magic} messages cannot have headers`);
    const offset = record.offset ?? (this.count === 0 ? this.baseOffset : this.lastOffset + 1);
    if (!Number.isSafeInteger(offset) || offset <= this.lastOffset || offset < this.baseOffset) throw new KafkaInvalidArgumentError(`message offset ${offset} does not follow ${this.lastOffset}: offsets must increase`);
    const timestamp = this.magic === 0 ? NO_TIMESTAMP : this.timestampType === TimestampType.LogAppendTime ? this.logAppendTime : (record.timestamp ?? this.now());
    if (!Number.isSafeInteger(timestamp)) throw new KafkaInvalidArgumentError(`timestamp must be a safe integer, got ${timestamp}`);
    // Inside a compressed magic 1 wrapper, offsets are written relative to the first message.
    const writtenOffset = this.compression !== CompressionType.None && this.magic === 1 ? offset - this.baseOffset : offset;
    const attributes = this.timestampType === TimestampType.LogAppendTime && this.compression === CompressionType.None ? ATTRIBUTE_TIMESTAMP_TYPE : 0;
    writeMessage(this.writer, writtenOffset, this.magic, attributes, timestamp, toBytes(record.key), toBytes(record.value));
    this.count++;
    this.lastOffset = offset;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return offset;
  }

  closeSync(): Buffer {
    const inner = this.beginClose();
    if (inner === undefined) return this.writer.finish();
    return this.wrap(synchronousCodecResult(compress(this.compression, inner, { magic: this.magic, level: this.compressionLevel }), 'close'));
  }

  async close(): Promise<Buffer> {
    const inner = this.beginClose();
    if (inner === undefined) return this.writer.finish();
    const compressed = compress(this.compression, inner, { magic: this.magic, level: this.compressionLevel });
    return this.wrap(isPromiseLike(compressed) ? await compressed : compressed);
  }

  private beginClose(): Buffer | undefined {
    if (this.closed) throw new KafkaStateError('message set already closed');
    this.closed = true;
    if (this.compression === CompressionType.None || this.count === 0) return undefined;
    return this.writer.finish();
  }

  private wrap(compressed: Buffer): Buffer {
    const writer = new Writer(compressed.length + 64);
    const attributes = this.compression | (this.timestampType === TimestampType.LogAppendTime ? ATTRIBUTE_TIMESTAMP_TYPE : 0);
    writeMessage(writer, this.lastOffset, this.magic, attributes, this.magic === 0 ? NO_TIMESTAMP : this.maxTimestamp, null, compressed);
    return writer.finish();
  }
}

/** For the broker: rewrites a legacy message's offset in place (the offset is outside the CRC). */
export function setLegacyMessageOffset(message: Buffer, offset: number): void {
  putInt64(message, LEGACY.offset, offset);
}
