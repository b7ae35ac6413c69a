/**
 * Zigzag varints written and read straight in a Buffer, for the record hot paths (the generic
 * Reader/Writer check ranges on every call, which matters at millions of records per second).
 */

/** Bytes taken by the zigzag varint of a signed 32-bit value. */
export function sizeOfVarint(value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag >>>= 7;
    size++;
  }
  return size;
}

/** Bytes taken by the zigzag varlong of a safe-integer value. */
export function sizeOfVarlong(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value);
  // Zigzag doubles the magnitude: past 2^52 that is no longer exact in a double.
  if (value >= 2 ** 52 || value < -(2 ** 52)) return 8; // 53-54 significant bits: eight 7-bit groups
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    size++;
  }
  return size;
}

/** Writes the zigzag varint of a signed 32-bit value at `pos`; returns the position after it. */
export function putVarint(buffer: Uint8Array, pos: number, value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag >= 0x80) {
    buffer[pos++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  buffer[pos++] = zigzag;
  return pos;
}

/** Writes the zigzag varlong of a safe-integer value at `pos`; returns the position after it. */
export function putVarlong(buffer: Uint8Array, pos: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return putVarint(buffer, pos, value);
  if (value >= 2 ** 52 || value < -(2 ** 52)) return putBigVarlong(buffer, pos, BigInt(value));
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zigzag >= 0x80) {
    buffer[pos++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buffer[pos++] = zigzag;
  return pos;
}

function putBigVarlong(buffer: Uint8Array, pos: number, value: bigint): number {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  while (zigzag >= 0x80n) {
    buffer[pos++] = Number(zigzag & 0x7fn) | 0x80;
    zigzag >>= 7n;
  }
  buffer[pos++] = Number(zigzag);
  return pos;
}

/** Writes a safe-integer JS number as a big-endian int64 at `pos`. */
export function putInt64(buffer: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 0x100000000);
  buffer.writeInt32BE(high, pos);
  buffer.writeUInt32BE(value - high * 0x100000000, pos + 4);
}

/** Reads a big-endian int64 as a JS number, or returns NaN when it is outside the safe-integer range. */
export function getInt64(buffer: Buffer, pos: number): number {
  const high = buffer.readInt32BE(pos);
  if (high > 0x1fffff || high < -0x200000) return Number.NaN;
  return high * 0x100000000 + buffer.readUInt32BE(pos + 4);
}
