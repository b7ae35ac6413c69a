/**
 * Writes Kafka protocol primitives into a growable Buffer.
 *
 * The writer owns one buffer and doubles it when full, so a whole request (or a whole record batch)
 * is written in one place without intermediate copies; `finish()` returns a view of what was written.
 * Space can be reserved and patched later, for size prefixes and CRCs that depend on what follows.
 *
 * Every write checks its value (type and range) and throws `KafkaInvalidArgumentError` for one that
 * the protocol type cannot hold, instead of silently truncating it.
 */
import { KafkaInvalidArgumentError } from '../errors.js';
import { writeUuidBytes } from './uuid.js';
import type { RawTaggedField } from './reader.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Strings up to this many UTF-16 units are encoded in JavaScript when ASCII (faster than a native call). */
const SHORT_STRING = 64;
/** Longest string whose compact length prefix is one byte even if every unit takes 3 UTF-8 bytes. */
const ONE_BYTE_PREFIX_LIMIT = 42;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}

function invalid(type: string, value: unknown): KafkaInvalidArgumentError {
  return new KafkaInvalidArgumentError(`${describe(value)} is not a valid ${type}`);
}

export class Writer {
  buffer: Buffer;
  offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialCapacity, 16));
  }

  /** Makes room for `count` more bytes. */
  ensure(count: number): void {
    if (this.offset + count > this.buffer.length) this.grow(this.offset + count);
  }

  private grow(needed: number): void {
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  /** Skips `count` bytes to be filled in later; returns their position. */
  reserve(count: number): number {
    this.ensure(count);
    const position = this.offset;
    this.offset += count;
    return position;
  }

  /** A view of everything written so far. */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  writeInt8(value: number): void {
    if ((value << 24) >> 24 !== value) throw invalid('int8', value);
    this.ensure(1);
    this.buffer[this.offset++] = value;
  }

  writeUInt8(value: number): void {
    if ((value & 0xff) !== value) throw invalid('uint8', value);
    this.ensure(1);
    this.buffer[this.offset++] = value;
  }

  writeBool(value: boolean): void {
    if (typeof value !== 'boolean') throw invalid('bool', value);
    this.ensure(1);
    this.buffer[this.offset++] = value ? 1 : 0;
  }

  writeInt16(value: number): void {
    if ((value << 16) >> 16 !== value) throw invalid('int16', value);
    this.ensure(2);
    const buffer = this.buffer;
    const offset = this.offset;
    buffer[offset] = value >> 8;
    buffer[offset + 1] = value;
    this.offset = offset + 2;
  }

  writeUInt16(value: number): void {
    if ((value & 0xffff) !== value) throw invalid('uint16', value);
    // Written as the int16 with the same 16 bits.
    this.writeInt16((value << 16) >> 16);
  }

  writeInt32(value: number): void {
    if ((value | 0) !== value) throw invalid('int32', value);
    this.ensure(4);
    const buffer = this.buffer;
    const offset = this.offset;
    buffer[offset] = value >> 24;
    buffer[offset + 1] = value >> 16;
    buffer[offset + 2] = value >> 8;
    buffer[offset + 3] = value;
    this.offset = offset + 4;
  }

  writeUInt32(value: number): void {
    if (value >>> 0 !== value) throw invalid('uint32', value);
    this.writeInt32(value | 0);
  }

  writeInt64(value: bigint): void {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw invalid('int64', value);
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
  }

  /** A safe-integer JS number as an int64, without going through bigint. */
  writeInt64Number(value: number): void {
    if (!Number.isSafeInteger(value)) throw new KafkaInvalidArgumentError(`int64 value ${describe(value)} is not a safe integer`);
    this.ensure(8);
    const high = Math.floor(value / 0x100000000);
    const low = value - high * 0x100000000;
    const buffer = this.buffer;
    const offset = this.offset;
    buffer[offset] = high >> 24;
    buffer[offset + 1] = high >> 16;
    buffer[offset + 2] = high >> 8;
    buffer[offset + 3] = high;
    buffer[offset + 4] = low >>> 24;
    buffer[offset + 5] = low >>> 16;
    buffer[offset + 6] = low >>> 8;
    buffer[offset + 7] = low;
    this.offset = offset + 8;
  }

  writeFloat64(value: number): void {
    if (typeof value !== 'number') throw invalid('float64', value);
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
  }

  /** Unsigned varint of at most 32 bits. */
  writeUVarint(value: number): void {
    if (value >>> 0 !== value) throw invalid('unsigned varint', value);
    this.ensure(5);
    const buffer = this.buffer;
    let offset = this.offset;
    while (value >= 0x80) {
      buffer[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[offset++] = value;
    this.offset = offset;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  writeVarint(value: number): void {
    if ((value | 0) !== value) throw invalid('varint (int32)', value);
    this.writeUVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Zigzag-encoded signed 64-bit varint. */
  writeVarlong(value: bigint): void {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw invalid('varlong (int64)', value);
    let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    this.ensure(10);
    const buffer = this.buffer;
    let offset = this.offset;
    while (zigzag >= 0x80n) {
      buffer[offset++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    buffer[offset++] = Number(zigzag);
    this.offset = offset;
  }

  /** Zigzag varlong from a safe-integer JS number (record-level deltas), without bigint when small. */
  writeVarlongNumber(value: number): void {
    if (!Number.isSafeInteger(value)) throw new KafkaInvalidArgumentError(`varlong value ${describe(value)} is not a safe integer`);
    // The zigzag form doubles the magnitude; beyond 2^52 it would no longer be exact in a double.
    if (value >= 0x10000000000000 || value <= -0x10000000000000) {
      this.writeVarlong(BigInt(value));
      return;
    }
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
    this.ensure(10);
    const buffer = this.buffer;
    let offset = this.offset;
    while (zigzag >= 0x80) {
      buffer[offset++] = (zigzag % 128) | 0x80;
      zigzag = Math.floor(zigzag / 128);
    }
    buffer[offset++] = zigzag;
    this.offset = offset;
  }

  writeUuid(value: string): void {
    this.ensure(16);
    writeUuidBytes(value, this.buffer, this.offset);
    this.offset += 16;
  }

  /**
   * Writes `value` as UTF-8 at `offset` (room for 3 bytes per UTF-16 unit must be ensured) and
   * returns the byte count. Short ASCII strings are copied in JavaScript, the rest natively.
   */
  private putUtf8(value: string, offset: number): number {
    const length = value.length;
    if (length <= SHORT_STRING) {
      const buffer = this.buffer;
      let i = 0;
      for (; i < length; i++) {
        const unit = value.charCodeAt(i);
        if (unit >= 0x80) break;
        buffer[offset + i] = unit;
      }
      if (i === length) return length;
    }
    return this.buffer.write(value, offset, 'utf8');
  }

  writeString(value: string): void {
    if (typeof value !== 'string') throw invalid('string', value);
    // Every UTF-16 unit takes at least one UTF-8 byte: refuse hopeless lengths before reserving room.
    if (value.length > 0x7fff) throw new KafkaInvalidArgumentError(`string of ${value.length} characters is too long for an int16 length`);
    this.ensure(2 + value.length * 3);
    const byteLength = this.putUtf8(value, this.offset + 2);
    if (byteLength > 0x7fff) throw new KafkaInvalidArgumentError(`string of ${byteLength} bytes is too long for an int16 length`);
    this.buffer[this.offset] = byteLength >> 8;
    this.buffer[this.offset + 1] = byteLength;
    this.offset += 2 + byteLength;
  }

  writeNullableString(value: string | null): void {
    if (value === null) this.writeInt16(-1);
    else this.writeString(value);
  }

  writeCompactString(value: string): void {
    if (typeof value !== 'string') throw invalid('string', value);
    if (value.length <= ONE_BYTE_PREFIX_LIMIT) {
      // At most 126 bytes: the length+1 prefix fits in one varint byte, so write the text in place.
      this.ensure(1 + value.length * 3);
      const byteLength = this.putUtf8(value, this.offset + 1);
      this.buffer[this.offset] = byteLength + 1;
      this.offset += 1 + byteLength;
      return;
    }
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.writeUVarint(byteLength + 1);
    this.ensure(byteLength);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  writeCompactNullableString(value: string | null): void {
    if (value === null) this.writeUVarint(0);
    else this.writeCompactString(value);
  }

  writeRaw(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw invalid('byte array', bytes);
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  writeBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw invalid('byte array', value);
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeInt32(-1);
    else this.writeBytes(value);
  }

  writeCompactBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw invalid('byte array', value);
    this.writeUVarint(value.length + 1);
    this.writeRaw(value);
  }

  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeUVarint(0);
    else this.writeCompactBytes(value);
  }

  writeArrayLength(count: number | null): void {
    this.writeInt32(count === null ? -1 : count);
  }

  writeCompactArrayLength(count: number | null): void {
    this.writeUVarint(count === null ? 0 : count + 1);
  }

  /**
   * Writes a tagged-field section: `known` are fields the codec encoded (already in tag order,
   * each as its bytes), `unknown` are raw fields kept from a decode. Both are merged by tag.
   */
  writeTaggedFields(known: readonly RawTaggedField[] | undefined, unknown: readonly RawTaggedField[] | undefined): void {
    const fields = !unknown?.length ? known : !known?.length ? unknown : [...known, ...unknown].sort((a, b) => a.tag - b.tag);
    if (!fields || fields.length === 0) {
      this.writeUVarint(0);
      return;
    }
    this.writeUVarint(fields.length);
    for (const field of fields) {
      this.writeUVarint(field.tag);
      this.writeUVarint(field.data.length);
      this.writeRaw(field.data);
    }
  }

  /** A tagged-field section holding only raw fields (kept from a decode), written in tag order. */
  writeUnknownTaggedFields(unknown: readonly RawTaggedField[] | undefined): void {
    if (unknown === undefined || unknown.length === 0) {
      this.ensure(1);
      this.buffer[this.offset++] = 0;
      return;
    }
    this.writeTaggedFields(undefined, orderedUnknownTags(unknown));
  }

  /**
   * Writes the raw fields of `unknown` (sorted) from `index` on whose tag is below `limit`, and returns
   * the index of the first one not written. Lets a codec merge raw fields between its known ones;
   * a raw field with the tag of a known field is refused, as it would be read back as that field.
   */
  writeUnknownTagsBefore(unknown: readonly RawTaggedField[] | undefined, index: number, limit: number): number {
    if (unknown === undefined) return index;
    while (index < unknown.length && unknown[index]!.tag < limit) {
      const field = unknown[index++]!;
      this.writeUVarint(field.tag);
      this.writeUVarint(field.data.length);
      this.writeRaw(field.data);
    }
    if (index < unknown.length && unknown[index]!.tag === limit) {
      throw new KafkaInvalidArgumentError(`unknown tagged field ${limit} has the tag of a known field`);
    }
    return index;
  }

  /** Starts a tagged field: writes its tag and reserves one byte for its size; returns where its data starts. */
  beginTaggedField(tag: number): number {
    this.writeUVarint(tag);
    this.ensure(1);
    this.offset += 1;
    return this.offset;
  }

  /** Ends a tagged field started at `start`: fills in its size, moving the data if the size needs more than one byte. */
  endTaggedField(start: number): void {
    const size = this.offset - start;
    if (size < 0x80) {
      this.buffer[start - 1] = size;
      return;
    }
    let prefixLength = 1;
    for (let rest = size >>> 7; rest > 0; rest >>>= 7) prefixLength++;
    this.ensure(prefixLength - 1);
    this.buffer.copyWithin(start + prefixLength - 1, start, this.offset);
    const end = this.offset + prefixLength - 1;
    this.offset = start - 1;
    this.writeUVarint(size);
    this.offset = end;
  }
}

/**
 * Raw tagged fields in ascending tag order, checked (integer tags, byte data, no duplicates); a
 * sorted copy is made only when they are out of order. Encoders call it on the caller's
 * `unknownTaggedFields` before merging them with the fields they know.
 */
export function orderedUnknownTags(fields: readonly RawTaggedField[] | undefined): readonly RawTaggedField[] | undefined {
  if (fields === undefined || fields.length === 0) return undefined;
  let sorted = true;
  let previous = -1;
  for (const field of fields) {
    const tag = field.tag;
    if (tag >>> 0 !== tag) throw invalid('tag', tag);
    if (!(field.data instanceof Uint8Array)) throw new KafkaInvalidArgumentError(`tagged field ${tag} has no Buffer data`);
    if (tag === previous) throw new KafkaInvalidArgumentError(`tagged field ${tag} given twice`);
    if (tag < previous) sorted = false;
    previous = tag;
  }
  if (sorted) return fields;
  const copy = [...fields].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < copy.length; i++) {
    if (copy[i]!.tag === copy[i - 1]!.tag) throw new KafkaInvalidArgumentError(`tagged field ${copy[i]!.tag} given twice`);
  }
  return copy;
}
