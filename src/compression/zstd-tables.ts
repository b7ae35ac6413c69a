/**
 * Tables shared by the zstd decoder and encoder (RFC 8878): the predefined FSE distributions of
 * the three sequence codes, the baselines and extra-bit counts of literal and match lengths, and
 * the FSE decoding-table construction.
 */

export const LITERALS_LENGTH_DEFAULT = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
];
export const LITERALS_LENGTH_DEFAULT_LOG = 6;
export const MATCH_LENGTH_DEFAULT = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, -1, -1, -1, -1, -1, -1, -1,
];
export const MATCH_LENGTH_DEFAULT_LOG = 6;
export const OFFSET_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];
export const OFFSET_DEFAULT_LOG = 5;

export const LITERALS_LENGTH_MAX_SYMBOL = 35;
export const MATCH_LENGTH_MAX_SYMBOL = 52;
export const OFFSET_MAX_SYMBOL = 31;
export const LITERALS_LENGTH_MAX_LOG = 9;
export const MATCH_LENGTH_MAX_LOG = 9;
export const OFFSET_MAX_LOG = 8;

export const LITERALS_LENGTH_BASE = Int32Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
  16384, 32768, 65536,
]);
export const LITERALS_LENGTH_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
export const MATCH_LENGTH_BASE = Int32Array.from([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39,
  41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
]);
export const MATCH_LENGTH_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7,
  8, 9, 10, 11, 12, 13, 14, 15, 16,
]);

/** Index of the highest set bit (value > 0). */
export function highBit(value: number): number {
  return 31 - Math.clz32(value);
}

/** An FSE decoding table: per state, the symbol, the bits to read and the base of the next state. */
export interface FseTable {
  accuracyLog: number;
  symbol: Uint8Array;
  bits: Uint8Array;
  base: Uint16Array;
}

/**
 * Spreads symbols over a table of 2^accuracyLog states as FSE does; `normalized` holds each
 * symbol's count (-1 = "less than one", placed at the end of the table). Returns the symbol of
 * each state, or undefined if the counts do not fill the table exactly.
 */
export function spreadSymbols(normalized: ArrayLike<number>, accuracyLog: number): Uint8Array | undefined {
  const size = 1 << accuracyLog;
  const symbols = new Uint8Array(size);
  let high = size - 1;
  for (let s = 0; s < normalized.length; s++) if (normalized[s] === -1) symbols[high--] = s;
  const step = (size >>> 1) + (size >>> 3) + 3;
  const mask = size - 1;
  let position = 0;
  for (let s = 0; s < normalized.length; s++) {
    const count = normalized[s]!;
    for (let i = 0; i < count; i++) {
      symbols[position] = s;
      do position = (position + step) & mask;
      while (position > high);
    }
  }
  return position === 0 ? symbols : undefined;
}

export function buildFseTable(normalized: ArrayLike<number>, accuracyLog: number): FseTable | undefined {
  const size = 1 << accuracyLog;
  const symbol = spreadSymbols(normalized, accuracyLog);
  if (symbol === undefined) return undefined;
  const next = new Uint16Array(normalized.length);
  for (let s = 0; s < normalized.length; s++) next[s] = normalized[s] === -1 ? 1 : Math.max(0, normalized[s]!);
  const bits = new Uint8Array(size);
  const base = new Uint16Array(size);
  for (let state = 0; state < size; state++) {
    const s = symbol[state]!;
    const nextState = next[s]++;
    const nbBits = accuracyLog - highBit(nextState);
    bits[state] = nbBits;
    base[state] = (nextState << nbBits) - size;
  }
  return { accuracyLog, symbol, bits, base };
}

/** A table whose single state always yields `symbol` (the RLE mode of the sequence codes). */
export function rleFseTable(symbol: number): FseTable {
  return { accuracyLog: 0, symbol: Uint8Array.of(symbol), bits: Uint8Array.of(0), base: Uint16Array.of(0) };
}

export const LITERALS_LENGTH_DEFAULT_TABLE = buildFseTable(LITERALS_LENGTH_DEFAULT, LITERALS_LENGTH_DEFAULT_LOG)!;
export const MATCH_LENGTH_DEFAULT_TABLE = buildFseTable(MATCH_LENGTH_DEFAULT, MATCH_LENGTH_DEFAULT_LOG)!;
export const OFFSET_DEFAULT_TABLE = buildFseTable(OFFSET_DEFAULT, OFFSET_DEFAULT_LOG)!;
