/**
 * The two checksums of Kafka's record formats:
 *  - CRC-32C (Castagnoli) over a record batch (magic 2), from its attributes to its end;
 *  - CRC-32 (IEEE) over a legacy message (magic 0 and 1), from its magic byte to its end.
 *
 * Both use `@node-rs/crc32` (SIMD/hardware CRC in Rust, prebuilt per platform) when it loads, and
 * the slicing-by-8 TypeScript tables otherwise. Inputs shorter than NATIVE_THRESHOLD bytes always
 * take the TypeScript path: below that size the cost of calling native code exceeds the checksum
 * (see docs/benchmarks.md for the numbers that set it).
 */
import { loadOptionalModule } from '../compression/optional-module.js';
import { crc32cPure, crc32Pure } from './crc-pure.js';

interface NativeCrc32 {
  crc32(input: Uint8Array, initialState?: number): number;
  crc32c(input: Uint8Array, initialState?: number): number;
}

const NATIVE_THRESHOLD = 128;

const native = loadOptionalModule<NativeCrc32>('@node-rs/crc32', (module) => {
  // A known-answer check, so that a broken build can never silently corrupt checksums.
  const probe = Buffer.from('123456789');
  return module.crc32c(probe) === 0xe3069283 && module.crc32(probe) === 0xcbf43926;
});

/** Which implementation serves inputs of NATIVE_THRESHOLD bytes and more: 'native' or 'typescript'. */
export const crcImplementation: 'native' | 'typescript' = native ? 'native' : 'typescript';

/** CRC-32C of `data[start, end)`. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  if (native === undefined || end - start < NATIVE_THRESHOLD) return crc32cPure(data, start, end);
  return native.crc32c(start === 0 && end === data.length ? data : data.subarray(start, end)) >>> 0;
}

/** CRC-32 (IEEE 802.3, as in zlib) of `data[start, end)`. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  if (native === undefined || end - start < NATIVE_THRESHOLD) return crc32Pure(data, start, end);
  return native.crc32(start === 0 && end === data.length ? data : data.subarray(start, end)) >>> 0;
}

export { crc32cPure, crc32Pure };
