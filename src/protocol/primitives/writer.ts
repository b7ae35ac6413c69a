/**
 * Writes Kafka protocol primitives into a growable Buffer.
 *
 * The writer owns one buffer and doubles it when full, so a whole request (or a whole record batch)
 * is written in one place without intermediate copies; `finish()` returns a view of what was written.
 * Space can be reserved and patched later, for size prefixes and CRCs that depend on what follows.
 */
import { KafkaInvalidArgumentError } from '../errors.js';
import { writeUuidBytes } from './uuid.js';
import type { RawTaggedField } from './reader.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

export class Writer {
  buffer: Buffer;
  offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialCapacity, 16));
  }

  /** Makes room for `count` more bytes. */
  ensure(count: number): void {
    const needed = this.offset + count;
    if (needed <= this.buffer.length) return;
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
    this.ensure(1);
    this.buffer.writeInt8(value, this.offset);
    this.offset += 1;
  }

  writeUInt8(value: number): void {
    this.ensure(1);
    this.buffer[this.offset++] = value;
  }

  writeBool(value: boolean): void {
    this.ensure(1);
    this.buffer[this.offset++] = value ? 1 : 0;
  }

  writeInt16(value: number): void {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.offset);
    this.offset += 2;
  }

  writeUInt16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.offset);
    this.offset += 2;
  }

  writeInt32(value: number): void {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
  }

  writeUInt32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
  }

  writeInt64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
  }

  /** A safe-integer JS number as an int64, without going through bigint. */
  writeInt64Number(value: number): void {
    if (!Number.isSafeInteger(value)) throw new KafkaInvalidArgumentError(`int64 value ${value} is not a safe integer`);
    this.ensure(8);
    const high = Math.floor(value / 0x100000000);
    this.buffer.writeInt32BE(high, this.offset);
    this.buffer.writeUInt32BE(value - high * 0x100000000, this.offset + 4);
    this.offset += 8;
  }

  writeFloat64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
  }

  /** Unsigned varint of at most 32 bits. */
  writeUVarint(value: number): void {
    if (!(value >= 0 && value <= 0xffffffff) || !Number.isInteger(value)) {
      throw new KafkaInvalidArgumentError(`unsigned varint value ${value} out of range`);
    }
    this.ensure(5);
    const buffer = this.buffer;
    let offset = this.offset;
    while (value >= 0x80) {
      buffer[offset++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    buffer[offset++] = value;
    this.offset = offset;
  }

  /** Zigzag-encoded signed 32-bit varint. */
  writeVarint(value: number): void {
    if (!(value >= INT32_MIN && value <= INT32_MAX) || !Number.isInteger(value)) {
      throw new KafkaInvalidArgumentError(`varint value ${value} out of int32 range`);
    }
    this.writeUVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Zigzag-encoded signed 64-bit varint. */
  writeVarlong(value: bigint): void {
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

  /** Zigzag varlong from a safe-integer JS number (record-level deltas), without bigint. */
  writeVarlongNumber(value: number): void {
    if (!Number.isSafeInteger(value)) throw new KafkaInvalidArgumentError(`varlong value ${value} is not a safe integer`);
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

  /** Writes UTF-8 text after a length prefix written by `writeLength`; returns nothing. */
  private writeText(value: string, prefixSize: number, writeLength: (byteLength: number, at: number) => void): void {
    // Reserve the worst case (3 bytes per UTF-16 unit) so the text is written once, straight in.
    this.ensure(prefixSize + value.length * 3);
    const byteLength = this.buffer.write(value, this.offset + prefixSize, 'utf8');
    writeLength(byteLength, this.offset);
    this.offset += prefixSize + byteLength;
  }

  writeString(value: string): void {
    this.writeText(value, 2, (byteLength, at) => {
      if (byteLength > 0x7fff) throw new KafkaInvalidArgumentError(`string of ${byteLength} bytes is too long for an int16 length`);
      this.buffer.writeInt16BE(byteLength, at);
    });
  }

  writeNullableString(value: string | null): void {
    if (value === null) this.writeInt16(-1);
    else this.writeString(value);
  }

  writeCompactString(value: string): void {
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
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  writeBytes(value: Uint8Array): void {
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeInt32(-1);
    else this.writeBytes(value);
  }

  writeCompactBytes(value: Uint8Array): void {
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
  writeTaggedFields(known: RawTaggedField[] | undefined, unknown: RawTaggedField[] | undefined): void {
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
}
