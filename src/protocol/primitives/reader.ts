/**
 * Reads Kafka protocol primitives from a Buffer.
 *
 * Every read checks the bytes it needs against `end` first and throws `KafkaDecodeError` when the
 * input is truncated or malformed, so no decoder ever reads past its frame. Lengths are checked
 * against the remaining bytes before anything is allocated: a corrupt or hostile length field can
 * never make the reader allocate more than the frame holds.
 *
 * Byte fields (`bytes`, `records`) are returned as views into the input buffer, not copies.
 */
import { KafkaDecodeError, KafkaInvalidArgumentError } from '../errors.js';
import { uuidFromBytes } from './uuid.js';

/** A tagged field the decoder did not recognise, kept so that it can be re-encoded unchanged. */
export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

/** Strings up to this many bytes are decoded in JavaScript when ASCII (faster than a native call). */
const SHORT_STRING = 32;

export class Reader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    if (!(offset >= 0 && end <= buffer.length && offset <= end)) {
      throw new KafkaInvalidArgumentError(`Reader bounds [${offset}, ${end}) outside a buffer of ${buffer.length} bytes`);
    }
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  private need(count: number, what: string): void {
    if (this.offset + count > this.end) this.truncated(count, what);
  }

  private truncated(count: number, what: string): never {
    throw new KafkaDecodeError(
      `truncated input: ${what} needs ${count} byte(s) at offset ${this.offset}, ${this.end - this.offset} left`,
    );
  }

  skip(count: number): void {
    this.need(count, 'skip');
    this.offset += count;
  }

  readInt8(): number {
    this.need(1, 'int8');
    return (this.buffer[this.offset++]! << 24) >> 24;
  }

  readUInt8(): number {
    this.need(1, 'uint8');
    return this.buffer[this.offset++]!;
  }

  readBool(): boolean {
    this.need(1, 'bool');
    return this.buffer[this.offset++] !== 0;
  }

  readInt16(): number {
    this.need(2, 'int16');
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 2;
    return ((buffer[offset]! << 24) | (buffer[offset + 1]! << 16)) >> 16;
  }

  readUInt16(): number {
    this.need(2, 'uint16');
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 2;
    return (buffer[offset]! << 8) | buffer[offset + 1]!;
  }

  readInt32(): number {
    this.need(4, 'int32');
    const buffer = this.buffer;
    const offset = this.offset;
    this.offset = offset + 4;
    return (buffer[offset]! << 24) | (buffer[offset + 1]! << 16) | (buffer[offset + 2]! << 8) | buffer[offset + 3]!;
  }

  readUInt32(): number {
    return this.readInt32() >>> 0;
  }

  readInt64(): bigint {
    this.need(8, 'int64');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** An int64 as a JS number; throws if it is outside the safe-integer range. */
  readInt64Number(): number {
    this.need(8, 'int64');
    const start = this.offset;
    const high = this.readInt32();
    const low = this.readInt32() >>> 0;
    // The safe range is [-(2^53 - 1), 2^53 - 1]: high word in [-2^21, 2^21), excluding exactly -2^53.
    if (high > 0x1fffff || high < -0x200000 || (high === -0x200000 && low === 0)) {
      throw new KafkaDecodeError(`int64 at offset ${start} is outside the safe integer range`);
    }
    return high * 0x100000000 + low;
  }

  readFloat64(): number {
    this.need(8, 'float64');
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /** Unsigned varint of at most 32 bits (5 bytes), as used for compact lengths and tags. */
  readUVarint(): number {
    const offset = this.offset;
    if (offset < this.end) {
      const first = this.buffer[offset]!;
      if (first < 0x80) {
        this.offset = offset + 1;
        return first;
      }
    }
    return this.readUVarintSlow();
  }

  private readUVarintSlow(): number {
    const buffer = this.buffer;
    const end = this.end;
    let offset = this.offset;
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (offset >= end) throw new KafkaDecodeError(`truncated input: varint at offset ${this.offset}`);
      const byte = buffer[offset++]!;
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.offset = offset;
        return result;
      }
    }
    if (offset >= end) throw new KafkaDecodeError(`truncated input: varint at offset ${this.offset}`);
    const last = buffer[offset++]!;
    if (last > 0x0f) throw new KafkaDecodeError(`varint at offset ${this.offset} exceeds 32 bits`);
    this.offset = offset;
    // Added rather than or-ed: the top bits would make a 32-bit integer negative.
    return result + last * 0x10000000;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  readVarint(): number {
    const raw = this.readUVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zigzag-encoded signed 64-bit varint. */
  readVarlong(): bigint {
    const buffer = this.buffer;
    let offset = this.offset;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (offset >= this.end) throw new KafkaDecodeError(`truncated input: varlong at offset ${this.offset}`);
      const byte = buffer[offset++]!;
      if (i === 9 && byte > 0x01) throw new KafkaDecodeError(`varlong at offset ${this.offset} exceeds 64 bits`);
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.offset = offset;
        return (result >> 1n) ^ -(result & 1n);
      }
      shift += 7n;
    }
    throw new KafkaDecodeError(`varlong at offset ${this.offset} is longer than 10 bytes`);
  }

  /**
   * Zigzag varlong as a JS number, for record-level deltas (timestamps, offsets) that are small in
   * practice. Values beyond the safe-integer range raise a decode error instead of losing precision.
   */
  readVarlongNumber(): number {
    const buffer = this.buffer;
    let offset = this.offset;
    let result = 0;
    let multiplier = 1;
    // Seven bytes hold 49 bits, exact in a double; longer encodings take the bigint path.
    for (let i = 0; i < 7; i++) {
      if (offset >= this.end) throw new KafkaDecodeError(`truncated input: varlong at offset ${this.offset}`);
      const byte = buffer[offset++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        this.offset = offset;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      multiplier *= 128;
    }
    const start = this.offset;
    const big = this.readVarlong();
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.offset = start;
      throw new KafkaDecodeError(`varlong at offset ${start} is outside the safe integer range`);
    }
    return Number(big);
  }

  readUuid(): string {
    this.need(16, 'uuid');
    const value = uuidFromBytes(this.buffer, this.offset);
    this.offset += 16;
    return value;
  }

  private readUtf8(length: number): string {
    this.need(length, 'string');
    const buffer = this.buffer;
    const start = this.offset;
    const end = start + length;
    this.offset = end;
    if (length <= SHORT_STRING) {
      let text = '';
      for (let i = start; i < end; i++) {
        const byte = buffer[i]!;
        if (byte >= 0x80) return buffer.toString('utf8', start, end);
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return buffer.toString('utf8', start, end);
  }

  private view(length: number, what: string): Buffer {
    this.need(length, what);
    const start = this.offset;
    this.offset += length;
    return this.buffer.subarray(start, this.offset);
  }

  readString(): string {
    const length = this.readInt16();
    if (length < 0) throw new KafkaDecodeError(`non-nullable string has length ${length} at offset ${this.offset - 2}`);
    return this.readUtf8(length);
  }

  readNullableString(): string | null {
    const length = this.readInt16();
    if (length === -1) return null;
    if (length < 0) throw new KafkaDecodeError(`string has invalid length ${length} at offset ${this.offset - 2}`);
    return this.readUtf8(length);
  }

  readCompactString(): string {
    const length = this.readUVarint() - 1;
    if (length < 0) throw new KafkaDecodeError(`non-nullable compact string is null at offset ${this.offset - 1}`);
    return this.readUtf8(length);
  }

  readCompactNullableString(): string | null {
    const length = this.readUVarint() - 1;
    return length < 0 ? null : this.readUtf8(length);
  }

  readBytes(): Buffer {
    const length = this.readInt32();
    if (length < 0) throw new KafkaDecodeError(`non-nullable bytes have length ${length} at offset ${this.offset - 4}`);
    return this.view(length, 'bytes');
  }

  readNullableBytes(): Buffer | null {
    const length = this.readInt32();
    if (length === -1) return null;
    if (length < 0) throw new KafkaDecodeError(`bytes have invalid length ${length} at offset ${this.offset - 4}`);
    return this.view(length, 'bytes');
  }

  readCompactBytes(): Buffer {
    const length = this.readUVarint() - 1;
    if (length < 0) throw new KafkaDecodeError(`non-nullable compact bytes are null at offset ${this.offset - 1}`);
    return this.view(length, 'bytes');
  }

  readCompactNullableBytes(): Buffer | null {
    const length = this.readUVarint() - 1;
    return length < 0 ? null : this.view(length, 'bytes');
  }

  /** `count` raw bytes as a view. */
  readRaw(count: number): Buffer {
    return this.view(count, 'raw bytes');
  }

  private checkCount(count: number, minElementSize: number): number {
    // Each element takes at least `minElementSize` bytes (at least one is assumed even for
    // elements that can be empty), so a count the frame cannot hold is corrupt: refusing it here
    // is what keeps a bad length from causing an allocation larger than the frame.
    if (count * (minElementSize > 1 ? minElementSize : 1) > this.end - this.offset) {
      throw new KafkaDecodeError(
        `array of ${count} element(s) cannot fit in the ${this.end - this.offset} byte(s) left at offset ${this.offset}`,
      );
    }
    return count;
  }

  /** Classic array length (int32, -1 = null). */
  readArrayLength(minElementSize = 1): number | null {
    const count = this.readInt32();
    if (count === -1) return null;
    if (count < 0) throw new KafkaDecodeError(`array has invalid length ${count} at offset ${this.offset - 4}`);
    return this.checkCount(count, minElementSize);
  }

  /** Compact array length (uvarint of length+1, 0 = null). */
  readCompactArrayLength(minElementSize = 1): number | null {
    const count = this.readUVarint() - 1;
    if (count < 0) return null;
    return this.checkCount(count, minElementSize);
  }

  /** The count of a tagged-field section, checked against the frame (a field takes at least 2 bytes). */
  readTaggedFieldCount(): number {
    return this.checkCount(this.readUVarint(), 2);
  }

  /** A tag, which must be greater than the previous one in the section (Kafka writes them in order). */
  readTag(previous: number): number {
    const tag = this.readUVarint();
    if (tag <= previous) throw new KafkaDecodeError(`tagged fields out of order (tag ${tag} after ${previous})`);
    return tag;
  }

  /** A reader over the next `length` bytes (a tagged field's data); this reader moves past them. */
  subReader(length: number): Reader {
    this.need(length, 'tagged field');
    const start = this.offset;
    this.offset = start + length;
    return new Reader(this.buffer, start, start + length);
  }

  /** Throws unless everything up to `end` was read (a known tagged field must fill its size exactly). */
  expectEnd(what: string): void {
    if (this.offset !== this.end) throw new KafkaDecodeError(`${what} has ${this.end - this.offset} unread byte(s)`);
  }

  /** A tagged-field section in which no tag is known: every field is returned raw (undefined if none). */
  readUnknownTaggedFields(): RawTaggedField[] | undefined {
    const offset = this.offset;
    if (offset < this.end && this.buffer[offset] === 0) {
      this.offset = offset + 1;
      return undefined;
    }
    const count = this.readTaggedFieldCount();
    if (count === 0) return undefined;
    const fields: RawTaggedField[] = [];
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.readTag(previous);
      previous = tag;
      fields.push({ tag, data: this.view(this.readUVarint(), 'tagged field') });
    }
    return fields;
  }

  /**
   * Reads a tagged-field section. `onKnown(tag, reader)` decodes the tags it knows (reading exactly
   * the field's bytes from the sub-reader) and returns false for unknown ones, which are returned
   * raw so that they survive a re-encode.
   */
  readTaggedFields(onKnown?: (tag: number, field: Reader) => boolean): RawTaggedField[] | undefined {
    const count = this.readTaggedFieldCount();
    let unknown: RawTaggedField[] | undefined;
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.readTag(previous);
      previous = tag;
      const size = this.readUVarint();
      const data = this.view(size, 'tagged field');
      if (onKnown) {
        const field = new Reader(data);
        if (onKnown(tag, field)) {
          field.expectEnd(`tagged field ${tag}`);
          continue;
        }
      }
      (unknown ??= []).push({ tag, data });
    }
    return unknown;
  }
}
