/**
 * The LZ4 block format in TypeScript. A block is a series of sequences: a token (literal length
 * in the high nibble, match length minus 4 in the low nibble, 15 meaning "more bytes follow"),
 * the literals, a 2-byte little-endian match offset and the extra match-length bytes. The last
 * sequence has literals only; the format requires the last 5 bytes to be literals and the last
 * match to start at least 12 bytes before the end.
 */
import { copyMatch } from './match-copy.js';

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MATCH_FIND_LIMIT = 12;
const HASH_BITS = 13;
/** Blocks this compressor is given never exceed 64 KiB, so positions fit in 16 bits. */
export const LZ4_MAX_INPUT_PER_CALL = 1 << 16;

export function lz4MaxCompressedLength(length: number): number {
  return length + Math.ceil(length / 255) + 16;
}

function load32(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
}

function hash32(value: number): number {
  return Math.imul(value, 0x9e3779b1) >>> (32 - HASH_BITS);
}

function writeLengthExtension(out: Uint8Array, pos: number, remainder: number): number {
  while (remainder >= 255) {
    out[pos++] = 255;
    remainder -= 255;
  }
  out[pos++] = remainder;
  return pos;
}

function writeLiterals(input: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  const length = end - start;
  if (length < 16) {
    for (let i = start; i < end; i++) out[pos++] = input[i]!;
    return pos;
  }
  out.set(input.subarray(start, end), pos);
  return pos + length;
}

let sharedTable: Uint16Array | undefined;

/**
 * Compresses input[start, end) (at most 64 KiB) into out at `pos`, which must have
 * lz4MaxCompressedLength(end - start) bytes of room. Returns the new position in out.
 */
export function lz4CompressBlockInto(input: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  let anchor = start;
  if (end - start >= MATCH_FIND_LIMIT + 1) {
    const table = (sharedTable ??= new Uint16Array(1 << HASH_BITS));
    table.fill(0);
    const matchFindLimit = end - MATCH_FIND_LIMIT;
    const matchLengthLimit = end - LAST_LITERALS;
    let ip = start + 1;
    table[hash32(load32(input, start))] = 0;
    search: for (;;) {
      // Find a 4-byte match; the step grows while none is found, to skip incompressible data.
      let attempts = 1 << 6;
      let ref: number;
      for (;;) {
        if (ip > matchFindLimit) break search;
        const sequence = load32(input, ip);
        const h = hash32(sequence);
        ref = start + table[h]!;
        table[h] = ip - start;
        if (ref < ip && load32(input, ref) === sequence) break;
        ip += attempts++ >> 6;
      }
      // Extend the match backwards over literals that also match.
      while (ip > anchor && ref > start && input[ip - 1] === input[ref - 1]) {
        ip--;
        ref--;
      }
      const literalLength = ip - anchor;
      const tokenPos = pos++;
      let token: number;
      if (literalLength >= 15) {
        token = 15 << 4;
        pos = writeLengthExtension(out, pos, literalLength - 15);
      } else {
        token = literalLength << 4;
      }
      pos = writeLiterals(input, anchor, ip, out, pos);
      const offset = ip - ref;
      out[pos++] = offset & 0xff;
      out[pos++] = offset >>> 8;
      let matchEnd = ip + MIN_MATCH;
      let refPos = ref + MIN_MATCH;
      while (matchEnd < matchLengthLimit && input[matchEnd] === input[refPos]) {
        matchEnd++;
        refPos++;
      }
      const matchExtra = matchEnd - ip - MIN_MATCH;
      if (matchExtra >= 15) {
        token |= 15;
        pos = writeLengthExtension(out, pos, matchExtra - 15);
      } else {
        token |= matchExtra;
      }
      out[tokenPos] = token;
      ip = matchEnd;
      anchor = ip;
      if (ip > matchFindLimit) break;
      table[hash32(load32(input, ip - 2))] = ip - 2 - start;
    }
  }
  const literalLength = end - anchor;
  if (literalLength >= 15) {
    out[pos++] = 15 << 4;
    pos = writeLengthExtension(out, pos, literalLength - 15);
  } else {
    out[pos++] = literalLength << 4;
  }
  return writeLiterals(input, anchor, end, out, pos);
}

/**
 * Decompresses the block input[start, end) into out from `outStart`, never writing at or past
 * `outLimit`; back-references may reach down to `windowStart` (earlier blocks of a frame whose
 * blocks are dependent). Returns the new output position, -1 if the output would pass outLimit,
 * or -2 if the block is malformed.
 */
export function lz4DecompressBlockInto(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outStart: number,
  outLimit: number,
  windowStart: number,
): number {
  let ip = start;
  let op = outStart;
  while (ip < end) {
    const token = input[ip++]!;
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let byte: number;
      do {
        if (ip >= end) return -2;
        byte = input[ip++]!;
        literalLength += byte;
      } while (byte === 255);
    }
    if (ip + literalLength > end) return -2;
    if (op + literalLength > outLimit) return -1;
    if (literalLength < 16) {
      for (let i = 0; i < literalLength; i++) out[op + i] = input[ip + i]!;
    } else {
      out.set(input.subarray(ip, ip + literalLength), op);
    }
    ip += literalLength;
    op += literalLength;
    if (ip === end) return op;
    if (ip + 2 > end) return -2;
    const offset = input[ip]! | (input[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) return -2;
    let matchLength = token & 15;
    if (matchLength === 15) {
      let byte: number;
      do {
        if (ip >= end) return -2;
        byte = input[ip++]!;
        matchLength += byte;
      } while (byte === 255);
    }
    matchLength += MIN_MATCH;
    if (op + matchLength > outLimit) return -1;
    op = copyMatch(out, op, offset, matchLength);
  }
  // An empty block, or one whose last sequence had a match: both are malformed.
  return ip === start && end === start ? op : -2;
}
