/**
 * A zstd encoder in TypeScript, for when no native zstd is available. It writes standard frames
 * (RFC 8878) that any zstd decoder reads: greedy LZ77 matching over the whole frame (single-segment
 * frames with the content size declared), literals stored raw, and sequences coded with the
 * predefined FSE tables. That trades ratio for simplicity and speed: without entropy-coded literals
 * it compresses about as well as LZ4 does. docs/benchmarks.md compares it with native zstd.
 */
import {
  LITERALS_LENGTH_BASE,
  LITERALS_LENGTH_BITS,
  LITERALS_LENGTH_DEFAULT,
  LITERALS_LENGTH_DEFAULT_LOG,
  MATCH_LENGTH_BASE,
  MATCH_LENGTH_BITS,
  MATCH_LENGTH_DEFAULT,
  MATCH_LENGTH_DEFAULT_LOG,
  OFFSET_DEFAULT,
  OFFSET_DEFAULT_LOG,
  highBit,
  spreadSymbols,
} from './zstd-tables.js';

const FRAME_MAGIC = 0xfd2fb528;
const BLOCK_SIZE = 128 * 1024;
const MIN_MATCH = 4;
/** Offsets must stay codable with the predefined offset table (codes up to 28). */
const MAX_OFFSET = (1 << 28) - 4;
const MAX_HASH_BITS = 16;

/** An FSE encoding table, built from a normalized distribution as zstd's reference encoder does. */
interface FseEncoder {
  accuracyLog: number;
  nextState: Uint16Array;
  deltaBits: Int32Array;
  deltaState: Int32Array;
}

function buildFseEncoder(normalized: readonly number[], accuracyLog: number): FseEncoder {
  const size = 1 << accuracyLog;
  const symbols = spreadSymbols(normalized, accuracyLog)!;
  const cumulative = new Int32Array(normalized.length + 1);
  for (let s = 0; s < normalized.length; s++) cumulative[s + 1] = cumulative[s]! + (normalized[s] === -1 ? 1 : normalized[s]!);
  const nextState = new Uint16Array(size);
  for (let state = 0; state < size; state++) nextState[cumulative[symbols[state]!]!++] = size + state;
  const deltaBits = new Int32Array(normalized.length);
  const deltaState = new Int32Array(normalized.length);
  let total = 0;
  for (let s = 0; s < normalized.length; s++) {
    const count = normalized[s]!;
    if (count === 0) {
      deltaBits[s] = ((accuracyLog + 1) << 16) - size;
    } else if (count === -1 || count === 1) {
      deltaBits[s] = (accuracyLog << 16) - size;
      deltaState[s] = total - 1;
      total++;
    } else {
      const maxBitsOut = accuracyLog - highBit(count - 1);
      deltaBits[s] = (maxBitsOut << 16) - (count << maxBitsOut);
      deltaState[s] = total - count;
      total += count;
    }
  }
  return { accuracyLog, nextState, deltaBits, deltaState };
}

const LITERALS_LENGTH_ENCODER = buildFseEncoder(LITERALS_LENGTH_DEFAULT, LITERALS_LENGTH_DEFAULT_LOG);
const MATCH_LENGTH_ENCODER = buildFseEncoder(MATCH_LENGTH_DEFAULT, MATCH_LENGTH_DEFAULT_LOG);
const OFFSET_ENCODER = buildFseEncoder(OFFSET_DEFAULT, OFFSET_DEFAULT_LOG);

function codeTable(bases: Int32Array, count: number, bias: number): Uint8Array {
  const table = new Uint8Array(count);
  let code = 0;
  for (let value = 0; value < count; value++) {
    while (code + 1 < bases.length && bases[code + 1]! - bias <= value) code++;
    table[value] = code;
  }
  return table;
}

const LITERALS_LENGTH_CODES = codeTable(LITERALS_LENGTH_BASE, 64, 0);
const MATCH_LENGTH_CODES = codeTable(MATCH_LENGTH_BASE, 128, 3);

function literalsLengthCode(length: number): number {
  return length < 64 ? LITERALS_LENGTH_CODES[length]! : highBit(length) + 19;
}

function matchLengthCode(length: number): number {
  const base = length - 3;
  return base < 128 ? MATCH_LENGTH_CODES[base]! : highBit(base) + 36;
}

/** Writes bits forwards, least significant first; the decoder reads them back from the end. */
class BitWriter {
  pos: number;
  private bits = 0;
  private count = 0;
  constructor(
    private readonly out: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  /** Adds the low `count` (<= 24) bits of `value`. */
  add(value: number, count: number): void {
    this.bits |= (value & ((1 << count) - 1)) << this.count;
    this.count += count;
    while (this.count >= 8) {
      this.out[this.pos++] = this.bits & 0xff;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  addWide(value: number, count: number): void {
    if (count <= 24) {
      this.add(value, count);
    } else {
      this.add(value & 0xffffff, 24);
      this.add(Math.floor(value / 0x1000000), count - 24);
    }
  }

  /** Ends the stream with the marker bit the decoder looks for. */
  close(): number {
    this.add(1, 1);
    if (this.count > 0) this.out[this.pos++] = this.bits & 0xff;
    return this.pos;
  }
}

function fseInit(encoder: FseEncoder, symbol: number): number {
  const deltaBits = encoder.deltaBits[symbol]!;
  const bitsOut = (deltaBits + (1 << 15)) >> 16;
  const value = (bitsOut << 16) - deltaBits;
  return encoder.nextState[(value >> bitsOut) + encoder.deltaState[symbol]!]!;
}

function fseEncode(encoder: FseEncoder, state: number, symbol: number, writer: BitWriter): number {
  const bitsOut = (state + encoder.deltaBits[symbol]!) >> 16;
  writer.add(state, bitsOut);
  return encoder.nextState[(state >> bitsOut) + encoder.deltaState[symbol]!]!;
}

function load32(data: Uint8Array, at: number): number {
  return data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
}

let sharedHashTable: Int32Array | undefined;
let sharedBlock: Uint8Array | undefined;
let sharedSequences: Int32Array | undefined;

/**
 * Encodes data[start, end) as the body of a compressed block into `out`; returns its size, or -1
 * when it would not be smaller than the input (the caller then stores the block raw).
 */
function encodeBlock(data: Uint8Array, start: number, end: number, table: Int32Array, hashShift: number, out: Uint8Array): number {
  const sequences = (sharedSequences ??= new Int32Array((BLOCK_SIZE / MIN_MATCH + 1) * 3));
  const literals = out; // literals are gathered at the front of `out`, after room for their header
  let literalCount = 0;
  const literalsAt = 3;
  let sequenceCount = 0;
  let anchor = start;
  let ip = start;
  const matchLimit = end - 8;
  while (ip < matchLimit) {
    const value = load32(data, ip);
    const h = Math.imul(value, 0x9e3779b1) >>> hashShift;
    let ref = table[h]! - 1;
    table[h] = ip + 1;
    if (ref < 0 || ip - ref > MAX_OFFSET || load32(data, ref) !== value) {
      ip += 1 + ((ip - anchor) >> 7);
      continue;
    }
    while (ip > anchor && ref > 0 && data[ip - 1] === data[ref - 1]) {
      ip--;
      ref--;
    }
    let length = MIN_MATCH;
    while (ip + length < end && data[ref + length] === data[ip + length]) length++;
    const literalLength = ip - anchor;
    if (literalLength < 32) {
      for (let i = 0; i < literalLength; i++) literals[literalsAt + literalCount + i] = data[anchor + i]!;
    } else {
      literals.set(data.subarray(anchor, ip), literalsAt + literalCount);
    }
    literalCount += literalLength;
    sequences[sequenceCount * 3] = literalLength;
    sequences[sequenceCount * 3 + 1] = length;
    sequences[sequenceCount * 3 + 2] = ip - ref;
    sequenceCount++;
    ip += length;
    anchor = ip;
    if (ip - 2 > start && ip + 2 < end) table[Math.imul(load32(data, ip - 2), 0x9e3779b1) >>> hashShift] = ip - 2 + 1;
  }
  literals.set(data.subarray(anchor, end), literalsAt + literalCount);
  literalCount += end - anchor;

  // Literals section: raw literals with a 3-byte header (20-bit size), written in front of them.
  out[0] = 0x0c | ((literalCount & 0x0f) << 4);
  out[1] = (literalCount >>> 4) & 0xff;
  out[2] = literalCount >>> 12;
  let pos = literalsAt + literalCount;
  if (sequenceCount < 128) {
    out[pos++] = sequenceCount;
  } else if (sequenceCount < 0x7f00) {
    out[pos++] = (sequenceCount >>> 8) + 128;
    out[pos++] = sequenceCount & 0xff;
  } else {
    out[pos++] = 255;
    out[pos++] = (sequenceCount - 0x7f00) & 0xff;
    out[pos++] = (sequenceCount - 0x7f00) >>> 8;
  }
  if (sequenceCount > 0) {
    out[pos++] = 0; // all three codes use the predefined distributions
    const writer = new BitWriter(out, pos);
    let n = sequenceCount - 1;
    const lastLiterals = sequences[n * 3]!;
    const lastMatch = sequences[n * 3 + 1]!;
    const lastOffsetValue = sequences[n * 3 + 2]! + 3;
    let llCode = literalsLengthCode(lastLiterals);
    let mlCode = matchLengthCode(lastMatch);
    let ofCode = highBit(lastOffsetValue);
    let mlState = fseInit(MATCH_LENGTH_ENCODER, mlCode);
    let ofState = fseInit(OFFSET_ENCODER, ofCode);
    let llState = fseInit(LITERALS_LENGTH_ENCODER, llCode);
    writer.add(lastLiterals - LITERALS_LENGTH_BASE[llCode]!, LITERALS_LENGTH_BITS[llCode]!);
    writer.add(lastMatch - MATCH_LENGTH_BASE[mlCode]!, MATCH_LENGTH_BITS[mlCode]!);
    writer.addWide(lastOffsetValue - 2 ** ofCode, ofCode);
    for (n--; n >= 0; n--) {
      const literalLength = sequences[n * 3]!;
      const matchLength = sequences[n * 3 + 1]!;
      const offsetValue = sequences[n * 3 + 2]! + 3;
      llCode = literalsLengthCode(literalLength);
      mlCode = matchLengthCode(matchLength);
      ofCode = highBit(offsetValue);
      ofState = fseEncode(OFFSET_ENCODER, ofState, ofCode, writer);
      mlState = fseEncode(MATCH_LENGTH_ENCODER, mlState, mlCode, writer);
      llState = fseEncode(LITERALS_LENGTH_ENCODER, llState, llCode, writer);
      writer.add(literalLength - LITERALS_LENGTH_BASE[llCode]!, LITERALS_LENGTH_BITS[llCode]!);
      writer.add(matchLength - MATCH_LENGTH_BASE[mlCode]!, MATCH_LENGTH_BITS[mlCode]!);
      writer.addWide(offsetValue - 2 ** ofCode, ofCode);
    }
    writer.add(mlState, MATCH_LENGTH_ENCODER.accuracyLog);
    writer.add(ofState, OFFSET_ENCODER.accuracyLog);
    writer.add(llState, LITERALS_LENGTH_ENCODER.accuracyLog);
    pos = writer.close();
  }
  return pos < end - start ? pos : -1;
}

/** Compresses `data` into one zstd frame. */
export function zstdCompress(data: Uint8Array): Buffer {
  const length = data.length;
  const blockCount = Math.max(1, Math.ceil(length / BLOCK_SIZE));
  const out = Buffer.allocUnsafe(4 + 1 + 8 + blockCount * 3 + length);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  let pos = 5;
  // Single-segment frame with its content size: the window is the whole content.
  if (length < 256) {
    out[4] = 0x20;
    out[pos++] = length;
  } else if (length < 65536 + 256) {
    out[4] = 0x60;
    out.writeUInt16LE(length - 256, pos);
    pos += 2;
  } else if (length <= 0xffffffff) {
    out[4] = 0xa0;
    out.writeUInt32LE(length, pos);
    pos += 4;
  } else {
    out[4] = 0xe0;
    out.writeUInt32LE(length % 0x100000000, pos);
    out.writeUInt32LE(Math.floor(length / 0x100000000), pos + 4);
    pos += 8;
  }
  if (length === 0) {
    // One empty raw block, marked last.
    out[pos++] = 1;
    out[pos++] = 0;
    out[pos++] = 0;
    return out.subarray(0, pos);
  }
  const hashBits = Math.min(MAX_HASH_BITS, Math.max(10, highBit(length) + 1));
  const table = (sharedHashTable ??= new Int32Array(1 << MAX_HASH_BITS)).subarray(0, 1 << hashBits);
  table.fill(0);
  const scratch = (sharedBlock ??= new Uint8Array(BLOCK_SIZE * 2 + 64));
  for (let start = 0; start < length; start += BLOCK_SIZE) {
    const end = Math.min(length, start + BLOCK_SIZE);
    const last = end === length ? 1 : 0;
    const size = encodeBlock(data, start, end, table, 32 - hashBits, scratch);
    if (size < 0) {
      const header = last | ((end - start) << 3);
      out[pos] = header & 0xff;
      out[pos + 1] = (header >>> 8) & 0xff;
      out[pos + 2] = header >>> 16;
      out.set(data.subarray(start, end), pos + 3);
      pos += 3 + end - start;
    } else {
      const header = last | (2 << 1) | (size << 3);
      out[pos] = header & 0xff;
      out[pos + 1] = (header >>> 8) & 0xff;
      out[pos + 2] = header >>> 16;
      out.set(scratch.subarray(0, size), pos + 3);
      pos += 3 + size;
    }
  }
  return out.subarray(0, pos);
}
