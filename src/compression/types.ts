/**
 * Compression types of Kafka's record formats and the contract of a codec.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';

/** The codec ids stored in the low three bits of a batch's (or legacy message's) attributes. */
export const CompressionType = {
  None: 0,
  Gzip: 1,
  Snappy: 2,
  Lz4: 3,
  Zstd: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** The names of the Java client's `compression.type` setting. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionName(type: CompressionType): CompressionName {
  return NAMES[type]!;
}

/** Accepts a codec id or a `compression.type` name; anything else is a KafkaInvalidArgumentError. */
export function toCompressionType(value: CompressionType | CompressionName): CompressionType {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 4) return value;
  } else {
    const index = NAMES.indexOf(value);
    if (index >= 0) return index as CompressionType;
  }
  throw new KafkaInvalidArgumentError(`unknown compression type ${JSON.stringify(value)} (expected none, gzip, snappy, lz4 or zstd)`);
}

/** What a codec is told when compressing the records section of a batch (or a legacy wrapper's value). */
export interface CompressOptions {
  /** The record format being written: 0 or 1 (legacy message sets) or 2 (record batches). LZ4 framing depends on it. */
  magic: number;
  /** The codec's compression level (the Java client's `compression.<codec>.level`); undefined means the codec's default. */
  level?: number | undefined;
}

/** What a codec is told when decompressing. */
export interface DecompressOptions {
  magic: number;
  /**
   * The most bytes the output may hold. A codec must stop and throw as soon as its output would
   * exceed this, before allocating more: it is what keeps a corrupt or hostile batch (a
   * "decompression bomb") from exhausting memory.
   */
  maxOutputBytes: number;
}

/**
 * A compression codec. Either method may return its result directly or as a promise: kafkats
 * awaits only when it receives a promise, so a synchronous codec costs no extra event-loop turn,
 * and a codec that works off the main thread (a native addon's thread pool) is equally welcome.
 * The synchronous entry points (`RecordBatchBuilder.closeSync()`, `RecordBatch.recordsSync()`)
 * throw KafkaStateError when a codec returns a promise. Every built-in codec decompresses
 * synchronously; all compress synchronously except zstd on a Node without zlib zstd when the
 * native `@mongodb-js/zstd` is installed (its API is asynchronous), so use `close()` there.
 */
export interface Codec {
  compress(data: Buffer, options: CompressOptions): Buffer | Promise<Buffer>;
  decompress(data: Buffer, options: DecompressOptions): Buffer | Promise<Buffer>;
}
