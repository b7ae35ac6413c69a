/**
 * Table-driven CRC-32 in plain TypeScript, "slicing by 8": eight 256-entry tables let the loop
 * consume eight input bytes per iteration with independent table look-ups, which V8 runs several
 * times faster than the classic byte-at-a-time loop. Used when no native implementation loads, and
 * for short inputs where calling into native code costs more than the checksum itself.
 */

/** Builds the eight slicing tables (one flat array, table k at [k * 256, k * 256 + 256)) for a reflected polynomial. */
function buildSlicingTables(reflectedPolynomial: number): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ reflectedPolynomial : crc >>> 1;
    tables[n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    let crc = tables[n]!;
    for (let k = 1; k < 8; k++) {
      crc = tables[crc & 0xff]! ^ (crc >>> 8);
      tables[k * 256 + n] = crc;
    }
  }
  return tables;
}

/** Castagnoli polynomial 0x1EDC6F41, bit-reversed: the CRC of record batches (magic 2). */
const CASTAGNOLI_TABLES = buildSlicingTables(0x82f63b78);
/** IEEE 802.3 polynomial 0x04C11DB7, bit-reversed: the CRC of legacy messages (magic 0 and 1). */
const IEEE_TABLES = buildSlicingTables(0xedb88320);

function sliceBy8(tables: Int32Array, data: Uint8Array, start: number, end: number, initial: number): number {
  let crc = ~initial;
  let i = start;
  const fastEnd = end - 8;
  while (i <= fastEnd) {
    crc ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    crc =
      tables[0x700 + (crc & 0xff)]! ^
      tables[0x600 + ((crc >>> 8) & 0xff)]! ^
      tables[0x500 + ((crc >>> 16) & 0xff)]! ^
      tables[0x400 + (crc >>> 24)]! ^
      tables[0x300 + data[i + 4]!]! ^
      tables[0x200 + data[i + 5]!]! ^
      tables[0x100 + data[i + 6]!]! ^
      tables[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = tables[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32C of `data[start, end)`, continuing from `initial` (the CRC of preceding bytes, 0 to start). */
export function crc32cPure(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return sliceBy8(CASTAGNOLI_TABLES, data, start, end, initial);
}

/** CRC-32 (IEEE) of `data[start, end)`, continuing from `initial`. */
export function crc32Pure(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return sliceBy8(IEEE_TABLES, data, start, end, initial);
}
