/** Compression codecs of Kafka's record formats (gzip, snappy, lz4, zstd) and the codec registry. */
export { CompressionType, type CompressionName, type Codec, type CompressOptions, type DecompressOptions, compressionName, toCompressionType } from './types.js';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  compress,
  decompress,
  getBuiltInCodec,
  getCodec,
  isPromiseLike,
  registerCodec,
  restoreBuiltInCodec,
} from './registry.js';
export { gzipCodec } from './gzip.js';
export { snappyCodec, snappyDecompress, snappyXerialCompress, isXerialFramed } from './snappy.js';
export { snappyCompressBlock, snappyDecompressBlock } from './snappy-block.js';
export { lz4Codec, lz4FrameCompress, lz4FrameDecompress } from './lz4.js';
export { zstdCodec, zstdTypeScriptCodec, zstdImplementation } from './zstd.js';
export { zstdCompress } from './zstd-encoder.js';
export { zstdDecompress } from './zstd-decoder.js';
export { xxhash32 } from './xxhash32.js';
