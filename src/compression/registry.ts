/**
 * The codec registry: one codec per compression type, the built-in ones registered from the
 * start. `registerCodec` replaces a codec for the whole process (e.g. a native zstd binding, or a
 * codec that counts bytes); `restoreBuiltInCodec` puts the built-in one back.
 *
 * `compress` and `decompress` here are what the record layer calls. `decompress` re-checks the
 * output size, so a user codec that ignores `maxOutputBytes` is still caught (though only after
 * the fact: the built-in codecs stop as soon as the limit is passed).
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { outputTooLarge } from './limits.js';
import { snappyCodec } from './snappy.js';
import { type Codec, type CompressionName, type CompressOptions, type DecompressOptions, CompressionType, compressionName, toCompressionType } from './types.js';
import { zstdCodec } from './zstd.js';

/** The default limit on one batch's decompressed records section (or legacy wrapper's inner message set). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

const BUILT_IN: readonly (Codec | undefined)[] = [undefined, gzipCodec, snappyCodec, lz4Codec, zstdCodec];
const registered: (Codec | undefined)[] = [...BUILT_IN];

function checkCodecType(type: CompressionType | CompressionName): Exclude<CompressionType, 0> {
  const id = toCompressionType(type);
  if (id === CompressionType.None) throw new KafkaInvalidArgumentError('compression type none has no codec');
  return id;
}

/** Replaces the codec of a compression type (gzip, snappy, lz4 or zstd) for the whole process. */
export function registerCodec(type: CompressionType | CompressionName, codec: Codec): void {
  const id = checkCodecType(type);
  if (typeof codec?.compress !== 'function' || typeof codec.decompress !== 'function') {
    throw new KafkaInvalidArgumentError('a codec needs compress(data, options) and decompress(data, options) functions');
  }
  registered[id] = codec;
}

/** Puts the built-in codec of a compression type back. */
export function restoreBuiltInCodec(type: CompressionType | CompressionName): void {
  const id = checkCodecType(type);
  registered[id] = BUILT_IN[id];
}

/** The codec in use for a compression type. */
export function getCodec(type: CompressionType | CompressionName): Codec {
  return registered[checkCodecType(type)]!;
}

/** The built-in codec of a compression type, whatever is registered. */
export function getBuiltInCodec(type: CompressionType | CompressionName): Codec {
  return BUILT_IN[checkCodecType(type)]!;
}

export function isPromiseLike<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function checkOutput(type: CompressionType, output: Buffer, maxOutputBytes: number): Buffer {
  if (output.length > maxOutputBytes) throw outputTooLarge(compressionName(type), maxOutputBytes);
  return output;
}

/** Compresses with the registered codec; the result is a promise only if the codec returned one. */
export function compress(type: CompressionType, data: Buffer, options: CompressOptions): Buffer | Promise<Buffer> {
  return registered[type]!.compress(data, options);
}

/** Decompresses with the registered codec, checking the output against the limit. */
export function decompress(type: CompressionType, data: Buffer, options: DecompressOptions): Buffer | Promise<Buffer> {
  const codec = registered[type];
  if (codec === undefined) throw new KafkaInvalidArgumentError(`compression type ${type} has no codec`);
  const result = codec.decompress(data, options);
  if (isPromiseLike(result)) return result.then((output) => checkOutput(type, output, options.maxOutputBytes));
  return checkOutput(type, result, options.maxOutputBytes);
}
