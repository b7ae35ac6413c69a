/**
 * zstd. Node 20 has no zstd in node:zlib, so the codec picks, once, at load:
 *  - node:zlib's zstd when the running Node has it (22.15+): native, synchronous, and bounded by
 *    zlib's own `maxOutputLength`;
 *  - otherwise, decompression by the TypeScript decoder (zstd-decoder.ts), which is synchronous
 *    and checks the output limit block by block, and compression by `@mongodb-js/zstd` (libzstd,
 *    prebuilt per platform, asynchronous) when it loads, or else by the TypeScript encoder.
 *
 * Why not the native package for decompression as well: it has no output limit (a hostile frame
 * could make it allocate without bound), and it is asynchronous only. docs/benchmarks.md has the
 * numbers behind these choices.
 */
import zlib from 'node:zlib';
import type { Codec, CompressOptions, DecompressOptions } from './types.js';
import { corruptInput, outputTooLarge } from './limits.js';
import { loadOptionalModule } from './optional-module.js';
import { zstdDecompress } from './zstd-decoder.js';
import { zstdCompress } from './zstd-encoder.js';

interface ZlibWithZstd {
  zstdCompressSync(data: Buffer, options?: { params?: Record<number, number> }): Buffer;
  zstdDecompressSync(data: Buffer, options?: { maxOutputLength?: number }): Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
}

interface NativeZstd {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const DEFAULT_LEVEL = 3;

const zlibZstd = typeof (zlib as unknown as Partial<ZlibWithZstd>).zstdCompressSync === 'function' ? (zlib as unknown as ZlibWithZstd) : undefined;
const nativeZstd = zlibZstd ? undefined : loadOptionalModule<NativeZstd>('@mongodb-js/zstd', (module) => typeof module.compress === 'function');

/** Which implementation compresses and which decompresses, for diagnostics and benchmarks. */
export const zstdImplementation: { compress: 'node:zlib' | '@mongodb-js/zstd' | 'typescript'; decompress: 'node:zlib' | 'typescript' } = {
  compress: zlibZstd ? 'node:zlib' : nativeZstd ? '@mongodb-js/zstd' : 'typescript',
  decompress: zlibZstd ? 'node:zlib' : 'typescript',
};

/** The pure TypeScript zstd codec (synchronous on every platform). */
export const zstdTypeScriptCodec: Codec = {
  compress: (data: Buffer): Buffer => zstdCompress(data),
  decompress: (data: Buffer, options: DecompressOptions): Buffer => zstdDecompress(data, options.maxOutputBytes),
};

function zlibDecompress(z: ZlibWithZstd, data: Buffer, maxOutputBytes: number): Buffer {
  try {
    return z.zstdDecompressSync(data, { maxOutputLength: Math.max(1, maxOutputBytes) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw outputTooLarge('zstd', maxOutputBytes);
    throw corruptInput('zstd', (error as Error).message, error);
  }
}

export const zstdCodec: Codec = {
  compress(data: Buffer, options: CompressOptions): Buffer | Promise<Buffer> {
    const level = options.level ?? DEFAULT_LEVEL;
    if (zlibZstd) {
      const levelParam = zlibZstd.constants.ZSTD_c_compressionLevel;
      return zlibZstd.zstdCompressSync(data, levelParam === undefined ? undefined : { params: { [levelParam]: level } });
    }
    if (nativeZstd) return nativeZstd.compress(data, level);
    return zstdCompress(data);
  },
  decompress(data: Buffer, options: DecompressOptions): Buffer {
    if (zlibZstd) return zlibDecompress(zlibZstd, data, options.maxOutputBytes);
    return zstdDecompress(data, options.maxOutputBytes);
  },
};
