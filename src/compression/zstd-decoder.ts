/**
 * A zstd decoder in TypeScript (RFC 8878 frames: raw, RLE and compressed blocks, Huffman-coded
 * literals, FSE-coded sequences, repeat offsets, skippable frames). It decodes a whole frame into
 * one output buffer, which it grows block by block and never past `maxOutputBytes`. Dictionaries
 * are not supported (Kafka never agrees one). The optional content checksum (XXH64) is not
 * verified: the record batch's CRC-32C already covers the compressed bytes.
 */
import { corruptInput, outputTooLarge } from './limits.js';
import { copyMatch } from './match-copy.js';
import {
  type FseTable,
  LITERALS_LENGTH_BASE,
  LITERALS_LENGTH_BITS,
  LITERALS_LENGTH_DEFAULT_TABLE,
  LITERALS_LENGTH_MAX_LOG,
  LITERALS_LENGTH_MAX_SYMBOL,
  MATCH_LENGTH_BASE,
  MATCH_LENGTH_BITS,
  MATCH_LENGTH_DEFAULT_TABLE,
  MATCH_LENGTH_MAX_LOG,
  MATCH_LENGTH_MAX_SYMBOL,
  OFFSET_DEFAULT_TABLE,
  OFFSET_MAX_LOG,
  OFFSET_MAX_SYMBOL,
  buildFseTable,
  highBit,
  rleFseTable,
} from './zstd-tables.js';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_SIZE = 128 * 1024;
const HUFFMAN_MAX_BITS = 11;

class ZstdError extends Error {}

function fail(detail: string): never {
  throw new ZstdError(detail);
}

/** `count` (<= 24) bits of `data` from bit `pos` (>= 0) on, counted from byte `start`, little-endian. */
function bitsAt(data: Uint8Array, start: number, pos: number, count: number): number {
  const index = start + (pos >>> 3);
  const word = data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24);
  return (word >>> (pos & 7)) & ((1 << count) - 1);
}

/** Reads a bitstream backwards from its end, as zstd's entropy-coded streams are written. */
class BackwardBits {
  bitPos: number;
  constructor(
    private readonly data: Uint8Array,
    private readonly start: number,
    end: number,
  ) {
    if (end <= start) fail('empty bitstream');
    const last = data[end - 1]!;
    if (last === 0) fail('bitstream without an end marker');
    this.bitPos = (end - 1 - start) * 8 + highBit(last);
  }

  /** `count` (<= 24) bits at bit position `pos` of the stream; bits below position 0 read as zero. */
  extract(pos: number, count: number): number {
    if (pos < 0) {
      if (pos + count <= 0) return 0;
      return this.extract(0, pos + count) << -pos;
    }
    return bitsAt(this.data, this.start, pos, count);
  }

  read(count: number): number {
    const pos = this.bitPos - count;
    this.bitPos = pos;
    // The common case first, straight to bitsAt (which V8 inlines; extract, recursive, it does not):
    // the decoder's sequence loop reads six times a sequence. Count 0 masks the word to 0.
    if (pos >= 0 && count <= 24) return bitsAt(this.data, this.start, pos, count);
    if (count === 0) return 0;
    if (count <= 24) return this.extract(pos, count);
    return this.extract(pos + 24, count - 24) * 0x1000000 + this.extract(pos, 24);
  }
}

/** Reads an FSE table description (forward, little-endian bits) at data[pos, end). */
function readFseDistribution(data: Uint8Array, pos: number, end: number, maxSymbol: number, maxLog: number): { table: FseTable; size: number } {
  let bit = pos * 8;
  const limit = end * 8;
  const read = (count: number): number => {
    if (bit + count > limit) fail('truncated FSE table description');
    let value = 0;
    for (let i = 0; i < count; i++, bit++) value |= ((data[bit >>> 3]! >>> (bit & 7)) & 1) << i;
    return value;
  };
  const peek = (count: number): number => {
    const saved = bit;
    const available = Math.min(count, limit - bit);
    const value = available > 0 ? read(available) : 0;
    bit = saved;
    return value;
  };
  const accuracyLog = read(4) + 5;
  if (accuracyLog > maxLog) fail(`FSE accuracy log ${accuracyLog} above ${maxLog}`);
  const normalized: number[] = [];
  let remaining = (1 << accuracyLog) + 1;
  let threshold = 1 << accuracyLog;
  let nbBits = accuracyLog + 1;
  let previousZero = false;
  while (remaining > 1) {
    if (previousZero) {
      let repeat = read(2);
      let zeros = repeat;
      while (repeat === 3) {
        repeat = read(2);
        zeros += repeat;
      }
      for (let i = 0; i < zeros; i++) normalized.push(0);
      if (normalized.length > maxSymbol) fail('FSE table description has too many symbols');
    }
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    const low = peek(nbBits - 1) & (threshold - 1);
    if (low < max) {
      count = low;
      bit += nbBits - 1;
    } else {
      count = peek(nbBits) & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bit += nbBits;
    }
    if (bit > limit) fail('truncated FSE table description');
    count--;
    remaining -= count < 0 ? -count : count;
    normalized.push(count);
    if (normalized.length > maxSymbol + 1) fail('FSE table description has too many symbols');
    previousZero = count === 0;
    while (remaining < threshold) {
      nbBits--;
      threshold >>>= 1;
    }
  }
  if (remaining !== 1) fail('FSE table description does not add up');
  const table = buildFseTable(normalized, accuracyLog);
  if (table === undefined) fail('FSE table description does not fill its table');
  return { table, size: ((bit + 7) >>> 3) - pos };
}

interface HuffmanTable {
  maxBits: number;
  symbol: Uint8Array;
  bits: Uint8Array;
}

/** Reads a Huffman tree description at data[pos, end); returns the table and the bytes it took. */
function readHuffmanTable(data: Uint8Array, pos: number, end: number): { table: HuffmanTable; size: number } {
  if (pos >= end) fail('truncated Huffman tree description');
  const header = data[pos]!;
  const weights = new Uint8Array(256);
  let count = 0;
  let size: number;
  if (header >= 128) {
    count = header - 127;
    size = 1 + ((count + 1) >>> 1);
    if (pos + size > end) fail('truncated Huffman weights');
    for (let i = 0; i < count; i++) {
      const byte = data[pos + 1 + (i >>> 1)]!;
      weights[i] = i & 1 ? byte & 15 : byte >>> 4;
    }
  } else {
    size = 1 + header;
    if (header === 0 || pos + size > end) fail('truncated Huffman weights');
    const { table, size: tableSize } = readFseDistribution(data, pos + 1, pos + size, 255, 6);
    const bits = new BackwardBits(data, pos + 1 + tableSize, pos + size);
    let state1 = bits.read(table.accuracyLog);
    let state2 = bits.read(table.accuracyLog);
    for (;;) {
      if (count > 254) fail('too many Huffman weights');
      weights[count++] = table.symbol[state1]!;
      state1 = table.base[state1]! + bits.read(table.bits[state1]!);
      if (bits.bitPos < 0) {
        weights[count++] = table.symbol[state2]!;
        break;
      }
      if (count > 254) fail('too many Huffman weights');
      weights[count++] = table.symbol[state2]!;
      state2 = table.base[state2]! + bits.read(table.bits[state2]!);
      if (bits.bitPos < 0) {
        weights[count++] = table.symbol[state1]!;
        break;
      }
    }
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const weight = weights[i]!;
    if (weight > HUFFMAN_MAX_BITS) fail(`Huffman weight ${weight} too large`);
    if (weight > 0) total += 1 << (weight - 1);
  }
  if (total === 0) fail('Huffman weights are all zero');
  const maxBits = highBit(total) + 1;
  if (maxBits > HUFFMAN_MAX_BITS) fail('Huffman codes too long');
  const rest = (1 << maxBits) - total;
  if (rest !== 1 << highBit(rest)) fail('Huffman weights do not form a prefix code');
  if (count > 255) fail('too many Huffman symbols');
  weights[count++] = highBit(rest) + 1;
  const tableSize = 1 << maxBits;
  const symbol = new Uint8Array(tableSize);
  const bits = new Uint8Array(tableSize);
  let next = 0;
  for (let weight = 1; weight <= maxBits; weight++) {
    const span = 1 << (weight - 1);
    for (let s = 0; s < count; s++) {
      if (weights[s] !== weight) continue;
      symbol.fill(s, next, next + span);
      bits.fill(maxBits + 1 - weight, next, next + span);
      next += span;
    }
  }
  return { table: { maxBits, symbol, bits }, size };
}

function decodeHuffmanStream(data: Uint8Array, start: number, end: number, table: HuffmanTable, out: Uint8Array, outStart: number, count: number): void {
  const bits = new BackwardBits(data, start, end);
  const maxBits = table.maxBits;
  const symbols = table.symbol;
  const lengths = table.bits;
  let bitPos = bits.bitPos;
  let i = 0;
  // Fast loop: while at least 4 bytes sit below the read position, read a 32-bit window directly.
  while (i < count && bitPos - maxBits >= 0) {
    const entry = bitsAt(data, start, bitPos - maxBits, maxBits);
    out[outStart + i++] = symbols[entry]!;
    bitPos -= lengths[entry]!;
  }
  for (; i < count; i++) {
    const entry = bits.extract(bitPos - maxBits, maxBits);
    out[outStart + i] = symbols[entry]!;
    bitPos -= lengths[entry]!;
  }
  if (bitPos !== 0) fail('Huffman stream does not end where its literals do');
}

let sharedLiterals: Uint8Array | undefined;

/** One literals buffer for all frames: decoding is synchronous, so frames never overlap. */
function scratchLiterals(): Uint8Array {
  return (sharedLiterals ??= new Uint8Array(MAX_BLOCK_SIZE));
}

/** The decoder's state within one frame: tables kept for "repeat" modes, repeat offsets, output. */
class FrameDecoder {
  out: Buffer;
  op: number;
  private readonly frameStart: number;
  private huffman: HuffmanTable | undefined;
  private literalsLengthTable: FseTable | undefined;
  private offsetTable: FseTable | undefined;
  private matchLengthTable: FseTable | undefined;
  private readonly repeat = [1, 4, 8];
  private readonly literals = scratchLiterals();

  constructor(
    out: Buffer,
    op: number,
    private readonly maxOutputBytes: number,
  ) {
    this.out = out;
    this.op = op;
    this.frameStart = op;
  }

  ensure(extra: number): void {
    const needed = this.op + extra;
    if (needed > this.maxOutputBytes) throw outputTooLarge('zstd', this.maxOutputBytes);
    if (needed <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.maxOutputBytes, Math.max(needed, this.out.length * 2)));
    this.out.copy(grown, 0, 0, this.op);
    this.out = grown;
  }

  /** Decodes the literals section at data[pos, end): returns [literals, their start, count, section size]. */
  private readLiterals(data: Uint8Array, pos: number, end: number): [Uint8Array, number, number, number] {
    const b0 = data[pos]!;
    const type = b0 & 3;
    const sizeFormat = (b0 >>> 2) & 3;
    if (type < 2) {
      let regenerated: number;
      let headerSize: number;
      if ((sizeFormat & 1) === 0) {
        regenerated = b0 >>> 3;
        headerSize = 1;
      } else if (sizeFormat === 1) {
        regenerated = (b0 >>> 4) | (data[pos + 1]! << 4);
        headerSize = 2;
      } else {
        regenerated = (b0 >>> 4) | (data[pos + 1]! << 4) | (data[pos + 2]! << 12);
        headerSize = 3;
      }
      if (pos + headerSize > end || regenerated > MAX_BLOCK_SIZE) fail('bad literals header');
      if (type === 0) {
        if (pos + headerSize + regenerated > end) fail('raw literals run past the block');
        return [data, pos + headerSize, regenerated, headerSize + regenerated];
      }
      if (pos + headerSize >= end) fail('truncated RLE literals');
      this.literals.fill(data[pos + headerSize]!, 0, regenerated);
      return [this.literals, 0, regenerated, headerSize + 1];
    }
    let regenerated: number;
    let compressed: number;
    let headerSize: number;
    let streams = 4;
    if (pos + 5 > end && sizeFormat === 3) fail('truncated literals header');
    const b1 = data[pos + 1]!;
    const b2 = data[pos + 2]!;
    if (sizeFormat < 2) {
      if (sizeFormat === 0) streams = 1;
      headerSize = 3;
      const bitsValue = (b0 >>> 4) | (b1 << 4) | (b2 << 12);
      regenerated = bitsValue & 0x3ff;
      compressed = bitsValue >>> 10;
    } else if (sizeFormat === 2) {
      headerSize = 4;
      const bitsValue = (b0 >>> 4) | (b1 << 4) | (b2 << 12) | (data[pos + 3]! << 20);
      regenerated = bitsValue & 0x3fff;
      compressed = bitsValue >>> 14;
    } else {
      headerSize = 5;
      const low = (b0 >>> 4) | (b1 << 4) | (b2 << 12);
      regenerated = low & 0x3ffff;
      compressed = (low >>> 18) | (data[pos + 3]! << 2) | (data[pos + 4]! << 10);
    }
    if (regenerated > MAX_BLOCK_SIZE) fail('literals larger than a block');
    let streamStart = pos + headerSize;
    const sectionEnd = streamStart + compressed;
    if (sectionEnd > end) fail('compressed literals run past the block');
    if (type === 2) {
      const { table, size } = readHuffmanTable(data, streamStart, sectionEnd);
      this.huffman = table;
      streamStart += size;
    } else if (this.huffman === undefined) {
      fail('treeless literals without a previous Huffman table');
    }
    const table = this.huffman!;
    const literals = this.literals;
    if (streams === 1) {
      decodeHuffmanStream(data, streamStart, sectionEnd, table, literals, 0, regenerated);
    } else {
      if (streamStart + 6 > sectionEnd) fail('truncated literals jump table');
      const size1 = data[streamStart]! | (data[streamStart + 1]! << 8);
      const size2 = data[streamStart + 2]! | (data[streamStart + 3]! << 8);
      const size3 = data[streamStart + 4]! | (data[streamStart + 5]! << 8);
      const start1 = streamStart + 6;
      const start2 = start1 + size1;
      const start3 = start2 + size2;
      const start4 = start3 + size3;
      if (start4 > sectionEnd) fail('literals streams run past their section');
      const segment = (regenerated + 3) >>> 2;
      const last = regenerated - 3 * segment;
      if (last < 0) fail('literals too short for four streams');
      decodeHuffmanStream(data, start1, start2, table, literals, 0, segment);
      decodeHuffmanStream(data, start2, start3, table, literals, segment, segment);
      decodeHuffmanStream(data, start3, start4, table, literals, 2 * segment, segment);
      decodeHuffmanStream(data, start4, sectionEnd, table, literals, 3 * segment, last);
    }
    return [literals, 0, regenerated, headerSize + compressed];
  }

  private readTable(mode: number, data: Uint8Array, pos: number, end: number, kind: 0 | 1 | 2): [FseTable, number] {
    const maxSymbol = kind === 0 ? LITERALS_LENGTH_MAX_SYMBOL : kind === 1 ? OFFSET_MAX_SYMBOL : MATCH_LENGTH_MAX_SYMBOL;
    switch (mode) {
      case 0:
        return [kind === 0 ? LITERALS_LENGTH_DEFAULT_TABLE : kind === 1 ? OFFSET_DEFAULT_TABLE : MATCH_LENGTH_DEFAULT_TABLE, 0];
      case 1: {
        if (pos >= end) fail('truncated RLE sequence table');
        const symbol = data[pos]!;
        if (symbol > maxSymbol) fail(`RLE sequence symbol ${symbol} out of range`);
        return [rleFseTable(symbol), 1];
      }
      case 2: {
        const maxLog = kind === 0 ? LITERALS_LENGTH_MAX_LOG : kind === 1 ? OFFSET_MAX_LOG : MATCH_LENGTH_MAX_LOG;
        const { table, size } = readFseDistribution(data, pos, end, maxSymbol, maxLog);
        return [table, size];
      }
      default: {
        const previous = kind === 0 ? this.literalsLengthTable : kind === 1 ? this.offsetTable : this.matchLengthTable;
        if (previous === undefined) fail('repeat sequence table without a previous one');
        return [previous, 0];
      }
    }
  }

  decodeCompressedBlock(data: Uint8Array, pos: number, end: number): void {
    const [literals, literalsStart, literalCount, literalsSize] = this.readLiterals(data, pos, end);
    pos += literalsSize;
    if (pos >= end) fail('truncated sequences section');
    let sequenceCount = data[pos++]!;
    if (sequenceCount >= 128) {
      if (sequenceCount === 255) {
        if (pos + 2 > end) fail('truncated sequence count');
        sequenceCount = data[pos]! + (data[pos + 1]! << 8) + 0x7f00;
        pos += 2;
      } else {
        if (pos >= end) fail('truncated sequence count');
        sequenceCount = ((sequenceCount - 128) << 8) + data[pos++]!;
      }
    }
    let litPos = literalsStart;
    const litEnd = literalsStart + literalCount;
    if (sequenceCount > 0) {
      if (pos >= end) fail('truncated sequence modes');
      const modes = data[pos++]!;
      if (modes & 3) fail('reserved bits set in sequence modes');
      let size: number;
      [this.literalsLengthTable, size] = this.readTable(modes >>> 6, data, pos, end, 0);
      pos += size;
      [this.offsetTable, size] = this.readTable((modes >>> 4) & 3, data, pos, end, 1);
      pos += size;
      [this.matchLengthTable, size] = this.readTable((modes >>> 2) & 3, data, pos, end, 2);
      pos += size;
      const ll = this.literalsLengthTable;
      const of = this.offsetTable;
      const ml = this.matchLengthTable;
      const bits = new BackwardBits(data, pos, end);
      let llState = bits.read(ll.accuracyLog);
      let ofState = bits.read(of.accuracyLog);
      let mlState = bits.read(ml.accuracyLog);
      const repeat = this.repeat;
      const frameStart = this.frameStart;
      // The output and its position live in locals through the loop; ensure() may replace the buffer.
      let out = this.out;
      let op = this.op;
      for (let i = 0; i < sequenceCount; i++) {
        const llCode = ll.symbol[llState]!;
        const ofCode = of.symbol[ofState]!;
        const mlCode = ml.symbol[mlState]!;
        if (llCode > LITERALS_LENGTH_MAX_SYMBOL || mlCode > MATCH_LENGTH_MAX_SYMBOL || ofCode > OFFSET_MAX_SYMBOL) fail('sequence code out of range');
        const offsetValue = (ofCode < 30 ? 1 << ofCode : 2 ** ofCode) + bits.read(ofCode);
        const matchLength = MATCH_LENGTH_BASE[mlCode]! + bits.read(MATCH_LENGTH_BITS[mlCode]!);
        const literalLength = LITERALS_LENGTH_BASE[llCode]! + bits.read(LITERALS_LENGTH_BITS[llCode]!);
        let offset: number;
        if (offsetValue > 3) {
          offset = offsetValue - 3;
          repeat[2] = repeat[1]!;
          repeat[1] = repeat[0]!;
          repeat[0] = offset;
        } else {
          const index = literalLength === 0 ? offsetValue + 1 : offsetValue;
          if (index === 1) {
            offset = repeat[0]!;
          } else {
            offset = index === 2 ? repeat[1]! : index === 3 ? repeat[2]! : repeat[0]! - 1;
            if (index !== 2) repeat[2] = repeat[1]!;
            repeat[1] = repeat[0]!;
            repeat[0] = offset;
          }
        }
        if (i + 1 < sequenceCount) {
          llState = ll.base[llState]! + bits.read(ll.bits[llState]!);
          mlState = ml.base[mlState]! + bits.read(ml.bits[mlState]!);
          ofState = of.base[ofState]! + bits.read(of.bits[ofState]!);
        }
        if (litPos + literalLength > litEnd) fail('sequence takes more literals than the block has');
        // The buffer never exceeds maxOutputBytes, so fitting in it is within the limit too.
        if (op + literalLength + matchLength > out.length) {
          this.op = op;
          this.ensure(literalLength + matchLength);
          out = this.out;
        }
        if (literalLength < 16) {
          for (let k = 0; k < literalLength; k++) out[op + k] = literals[litPos + k]!;
        } else {
          out.set(literals.subarray(litPos, litPos + literalLength), op);
        }
        op += literalLength;
        litPos += literalLength;
        if (offset === 0 || offset > op - frameStart) fail(`match offset ${offset} points before the start of the frame`);
        op = copyMatch(out, op, offset, matchLength);
      }
      this.op = op;
      if (bits.bitPos !== 0) fail('sequence bitstream does not end with the last sequence');
    } else if (pos !== end) {
      fail('bytes after a block without sequences');
    }
    const rest = litEnd - litPos;
    this.ensure(rest);
    this.out.set(literals.subarray(litPos, litEnd), this.op);
    this.op += rest;
  }
}

/**
 * Decompresses one or more zstd frames (skippable frames are passed over), never producing more
 * than maxOutputBytes: the output grows block by block and the limit is checked before each growth.
 */
export function zstdDecompress(data: Uint8Array, maxOutputBytes: number): Buffer {
  try {
    return decompressFrames(data, maxOutputBytes);
  } catch (error) {
    if (error instanceof ZstdError) throw corruptInput('zstd', error.message, error);
    if (error instanceof RangeError) throw corruptInput('zstd', 'truncated data', error);
    throw error;
  }
}

function decompressFrames(data: Uint8Array, maxOutputBytes: number): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let out: Buffer = Buffer.allocUnsafe(Math.min(maxOutputBytes, Math.max(64, data.length * 4)));
  let op = 0;
  let pos = 0;
  do {
    if (pos + 4 > data.length) fail('truncated frame');
    const magic = view.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (pos + 8 > data.length) fail('truncated skippable frame');
      pos += 8 + view.readUInt32LE(pos + 4);
      if (pos > data.length) fail('skippable frame runs past the end');
      continue;
    }
    if (magic !== FRAME_MAGIC) fail('not a zstd frame (bad magic number)');
    pos += 4;
    if (pos >= data.length) fail('truncated frame header');
    const descriptor = data[pos++]!;
    const contentSizeFlag = descriptor >>> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    if (descriptor & 0x08) fail('reserved bit set in frame header');
    const hasChecksum = (descriptor & 0x04) !== 0;
    const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3]!;
    if (!singleSegment) pos++; // window descriptor: the whole frame is decoded in memory, so it is not needed
    let dictionaryId = 0;
    for (let i = 0; i < dictionaryIdSize; i++) dictionaryId += data[pos + i]! * 2 ** (8 * i);
    pos += dictionaryIdSize;
    if (dictionaryId !== 0) fail('frame needs a dictionary');
    const contentSizeBytes = contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << contentSizeFlag;
    if (pos + contentSizeBytes > data.length) fail('truncated frame header');
    let contentSize = -1;
    if (contentSizeBytes === 1) contentSize = data[pos]!;
    else if (contentSizeBytes === 2) contentSize = view.readUInt16LE(pos) + 256;
    else if (contentSizeBytes === 4) contentSize = view.readUInt32LE(pos);
    else if (contentSizeBytes === 8) contentSize = view.readUInt32LE(pos) + view.readUInt32LE(pos + 4) * 0x100000000;
    pos += contentSizeBytes;
    if (contentSize >= 0) {
      // A declared size over the limit is refused before anything is allocated.
      if (op + contentSize > maxOutputBytes) throw outputTooLarge('zstd', maxOutputBytes);
      if (op + contentSize > out.length) {
        const grown = Buffer.allocUnsafe(op + contentSize);
        out.copy(grown, 0, 0, op);
        out = grown;
      }
    }
    const frameStart = op;
    const frame = new FrameDecoder(out, op, maxOutputBytes);
    for (;;) {
      if (pos + 3 > data.length) fail('truncated block header');
      const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
      pos += 3;
      const lastBlock = header & 1;
      const blockType = (header >>> 1) & 3;
      const blockSize = header >>> 3;
      if (blockType === 3) fail('reserved block type');
      if (blockType === 1) {
        if (blockSize > MAX_BLOCK_SIZE) fail(`block of ${blockSize} bytes is larger than allowed`);
        if (pos >= data.length) fail('truncated RLE block');
        frame.ensure(blockSize);
        frame.out.fill(data[pos]!, frame.op, frame.op + blockSize);
        frame.op += blockSize;
        pos += 1;
      } else {
        if (blockSize > MAX_BLOCK_SIZE) fail(`block of ${blockSize} bytes is larger than allowed`);
        if (pos + blockSize > data.length) fail('block runs past the end of the data');
        if (blockType === 0) {
          frame.ensure(blockSize);
          frame.out.set(data.subarray(pos, pos + blockSize), frame.op);
          frame.op += blockSize;
        } else {
          frame.decodeCompressedBlock(data, pos, pos + blockSize);
        }
        pos += blockSize;
      }
      if (lastBlock) break;
    }
    out = frame.out;
    op = frame.op;
    if (contentSize >= 0 && op - frameStart !== contentSize) fail(`frame holds ${op - frameStart} bytes, not the ${contentSize} it declares`);
    if (hasChecksum) {
      if (pos + 4 > data.length) fail('truncated content checksum');
      pos += 4;
    }
  } while (pos < data.length);
  return out.subarray(0, op);
}
