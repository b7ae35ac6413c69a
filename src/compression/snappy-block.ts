/**
 * The raw Snappy block format in TypeScript: a varint of the uncompressed length, then elements
 * that are either literals or back-references ("copies") into the output produced so far.
 *
 * The compressor follows the classic Snappy strategy: 64 KiB fragments (so every back-reference
 * fits in two bytes), a hash table of 4-byte sequences, and a lookup stride that grows while no
 * match is found so that incompressible data is passed over quickly.
 */
import { corruptInput, outputTooLarge } from './limits.js';
import { copyMatch } from './match-copy.js';

const FRAGMENT_SIZE = 1 << 16;
const HASH_BITS = 14;
/** Below this many bytes left in a fragment the match finder stops (it reads 4 bytes ahead). */
const INPUT_MARGIN = 15;

/** The largest compressed size of `length` input bytes (every byte a literal, plus headers). */
export function snappyMaxCompressedLength(length: number): number {
  return 32 + length + Math.ceil(length / 6);
}

function load32(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
}

function hash32(value: number): number {
  return Math.imul(value, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

/** Writes a literal of input[start, end) at out[pos]; returns the new position. */
function emitLiteral(input: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  const length = end - start;
  const n = length - 1;
  if (n < 60) {
    out[pos++] = n << 2;
  } else if (n < 0x100) {
    out[pos++] = 60 << 2;
    out[pos++] = n;
  } else if (n < 0x10000) {
    out[pos++] = 61 << 2;
    out[pos++] = n & 0xff;
    out[pos++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[pos++] = 62 << 2;
    out[pos++] = n & 0xff;
    out[pos++] = (n >>> 8) & 0xff;
    out[pos++] = n >>> 16;
  } else {
    out[pos++] = 63 << 2;
    out[pos++] = n & 0xff;
    out[pos++] = (n >>> 8) & 0xff;
    out[pos++] = (n >>> 16) & 0xff;
    out[pos++] = n >>> 24;
  }
  if (length < 16) {
    for (let i = start; i < end; i++) out[pos++] = input[i]!;
    return pos;
  }
  out.set(input.subarray(start, end), pos);
  return pos + length;
}

function emitCopy2(offset: number, length: number, out: Uint8Array, pos: number): number {
  out[pos] = 2 | ((length - 1) << 2);
  out[pos + 1] = offset & 0xff;
  out[pos + 2] = offset >>> 8;
  return pos + 3;
}

/** Writes back-references for a match of `length` bytes at distance `offset` (< 64 KiB). */
function emitCopy(offset: number, length: number, out: Uint8Array, pos: number): number {
  // A copy element holds at most 64 bytes; leave at least 4 for the last one.
  while (length >= 68) {
    pos = emitCopy2(offset, 64, out, pos);
    length -= 64;
  }
  if (length > 64) {
    pos = emitCopy2(offset, 60, out, pos);
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    out[pos] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[pos + 1] = offset & 0xff;
    return pos + 2;
  }
  return emitCopy2(offset, length, out, pos);
}

function compressFragment(input: Uint8Array, start: number, end: number, out: Uint8Array, pos: number, table: Uint16Array): number {
  let nextEmit = start;
  if (end - start >= INPUT_MARGIN) {
    table.fill(0);
    const ipLimit = end - INPUT_MARGIN;
    let ip = start + 1;
    outer: for (;;) {
      // Find a 4-byte match, looking further apart the longer nothing matches.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        nextIp = ip + (skip++ >> 5);
        if (nextIp > ipLimit) break outer;
        const h = hash32(load32(input, ip));
        candidate = start + table[h]!;
        table[h] = ip - start;
      } while (load32(input, ip) !== load32(input, candidate));

      pos = emitLiteral(input, nextEmit, ip, out, pos);
      // Emit copies for as long as the next position also starts a match.
      do {
        const matchStart = ip;
        let a = candidate + 4;
        let b = ip + 4;
        while (b < end && input[a] === input[b]) {
          a++;
          b++;
        }
        pos = emitCopy(matchStart - candidate, b - matchStart, out, pos);
        ip = b;
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[hash32(load32(input, ip - 1))] = ip - 1 - start;
        const h = hash32(load32(input, ip));
        candidate = start + table[h]!;
        table[h] = ip - start;
      } while (load32(input, ip) === load32(input, candidate));
      ip++;
    }
  }
  if (nextEmit < end) pos = emitLiteral(input, nextEmit, end, out, pos);
  return pos;
}

let sharedTable: Uint16Array | undefined;

/** Compresses input[start, end) into one raw Snappy block. */
export function snappyCompressBlock(input: Uint8Array, start = 0, end = input.length): Buffer {
  const length = end - start;
  const out = Buffer.allocUnsafe(snappyMaxCompressedLength(length));
  let pos = 0;
  let remaining = length;
  while (remaining >= 0x80) {
    out[pos++] = (remaining & 0x7f) | 0x80;
    remaining = Math.floor(remaining / 128);
  }
  out[pos++] = remaining;
  const table = (sharedTable ??= new Uint16Array(1 << HASH_BITS));
  for (let fragment = start; fragment < end; fragment += FRAGMENT_SIZE) {
    pos = compressFragment(input, fragment, Math.min(end, fragment + FRAGMENT_SIZE), out, pos, table);
  }
  return out.subarray(0, pos);
}

/** Reads the uncompressed length at the start of a raw block: [length, header size]. */
export function snappyReadLength(input: Uint8Array, start: number, end: number): [number, number] {
  let length = 0;
  let multiplier = 1;
  for (let i = 0; i < 5; i++) {
    if (start + i >= end) throw corruptInput('snappy', 'truncated length header');
    const byte = input[start + i]!;
    length += (byte & 0x7f) * multiplier;
    if (byte < 0x80) {
      if (length > 0xffffffff) break;
      return [length, i + 1];
    }
    multiplier *= 128;
  }
  throw corruptInput('snappy', 'length header is not a 32-bit varint');
}

/**
 * Decompresses the raw block input[start, end) into out at `outStart`; the block's declared
 * length must fit in out. Returns the number of bytes written.
 */
export function snappyDecompressInto(input: Uint8Array, start: number, end: number, out: Uint8Array, outStart: number): number {
  const [length, headerSize] = snappyReadLength(input, start, end);
  const outEnd = outStart + length;
  if (outEnd > out.length) throw corruptInput('snappy', `block declares ${length} bytes, more than expected`);
  let ip = start + headerSize;
  let op = outStart;
  while (ip < end) {
    const tag = input[ip++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const extra = len - 59;
          if (ip + extra > end) throw corruptInput('snappy', 'truncated literal length');
          len = input[ip]!;
          if (extra > 1) len |= input[ip + 1]! << 8;
          if (extra > 2) len |= input[ip + 2]! << 16;
          if (extra > 3) len += input[ip + 3]! * 0x1000000;
          ip += extra;
        }
        len += 1;
        if (ip + len > end || op + len > outEnd) throw corruptInput('snappy', 'literal runs past the end of the block');
        if (len < 16) {
          for (let i = 0; i < len; i++) out[op + i] = input[ip + i]!;
        } else {
          out.set(input.subarray(ip, ip + len), op);
        }
        ip += len;
        op += len;
        continue;
      }
      case 1:
        if (ip >= end) throw corruptInput('snappy', 'truncated copy');
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | input[ip++]!;
        break;
      case 2:
        if (ip + 2 > end) throw corruptInput('snappy', 'truncated copy');
        len = (tag >>> 2) + 1;
        offset = input[ip]! | (input[ip + 1]! << 8);
        ip += 2;
        break;
      default:
        if (ip + 4 > end) throw corruptInput('snappy', 'truncated copy');
        len = (tag >>> 2) + 1;
        offset = (input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16)) + input[ip + 3]! * 0x1000000;
        ip += 4;
        break;
    }
    if (offset === 0 || offset > op - outStart) throw corruptInput('snappy', `copy offset ${offset} points before the start of the output`);
    if (op + len > outEnd) throw corruptInput('snappy', 'copy runs past the declared length');
    op = copyMatch(out, op, offset, len);
  }
  if (op !== outEnd) throw corruptInput('snappy', `block holds ${op - outStart} bytes, not the ${length} it declares`);
  return length;
}

/** Decompresses one raw block, refusing (before allocating) a declared length over `maxOutputBytes`. */
export function snappyDecompressBlock(input: Uint8Array, maxOutputBytes: number, start = 0, end = input.length): Buffer {
  const [length] = snappyReadLength(input, start, end);
  if (length > maxOutputBytes) throw outputTooLarge('snappy', maxOutputBytes);
  const out = Buffer.allocUnsafe(length);
  snappyDecompressInto(input, start, end, out, 0);
  return out;
}
