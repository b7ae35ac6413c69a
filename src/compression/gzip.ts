/**
 * gzip from node:zlib. The synchronous calls are used: record batches are small (the producer's
 * batch.size is 16 KiB by default, a fetch partition at most a few MiB), and for such sizes the
 * thread-pool round trip of the asynchronous API costs more than it saves (see docs/benchmarks.md).
 * `maxOutputLength` makes zlib itself stop as soon as the output passes the limit.
 */
import zlib from 'node:zlib';
import type { Codec, CompressOptions, DecompressOptions } from './types.js';
import { corruptInput, outputTooLarge } from './limits.js';

export const gzipCodec: Codec = {
  compress(data: Buffer, options: CompressOptions): Buffer {
    return zlib.gzipSync(data, options.level === undefined ? undefined : { level: options.level });
  },
  decompress(data: Buffer, options: DecompressOptions): Buffer {
    try {
      // zlib rejects maxOutputLength 0, and an empty output limit only matters for empty input.
      return zlib.gunzipSync(data, { maxOutputLength: Math.max(1, options.maxOutputBytes) });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw outputTooLarge('gzip', options.maxOutputBytes);
      throw corruptInput('gzip', (error as Error).message, error);
    }
  },
};
