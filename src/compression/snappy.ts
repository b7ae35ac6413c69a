/**
 * Snappy as Kafka uses it. The Java client writes the "xerial" stream framing of snappy-java:
 *
 *   magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version (1), int32 minimum compatible version (1),
 *   then blocks, each an int32 (big-endian) compressed length and one raw Snappy block.
 *
 * Other clients (librdkafka can, older KafkaJS codecs did) write one raw Snappy block. The reader
 * accepts both, telling them apart by the 8-byte magic; the writer produces xerial framing with
 * 32 KiB blocks, as snappy-java's SnappyOutputStream does.
 *
 * Block (de)compression uses the TypeScript implementation in snappy-block.ts or the `snappy`
 * package (napi-rs, prebuilt per platform), whichever `BLOCK_IMPLEMENTATION` names: see
 * docs/benchmarks.md for the measurements behind the choice.
 */
import type { Codec, DecompressOptions } from './types.js';
import { corruptInput, outputTooLarge } from './limits.js';
import { snappyCompressBlock, snappyDecompressInto, snappyReadLength } from './snappy-block.js';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerialFramed(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Compresses `data` in xerial framing, as the Java client does. */
export function snappyXerialCompress(data: Uint8Array): Buffer {
  const blocks: Buffer[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_SIZE) {
    const block = snappyCompressBlock(data, start, Math.min(data.length, start + XERIAL_BLOCK_SIZE));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = Buffer.allocUnsafe(total);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    out.writeInt32BE(block.length, pos);
    block.copy(out, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

/**
 * Decompresses xerial-framed or raw Snappy. Every block's declared length is read and summed
 * first, so the output is allocated once, and only when the total is within the limit.
 */
export function snappyDecompress(data: Buffer, maxOutputBytes: number): Buffer {
  if (!isXerialFramed(data)) {
    const [length] = snappyReadLength(data, 0, data.length);
    if (length > maxOutputBytes) throw outputTooLarge('snappy', maxOutputBytes);
    const out = Buffer.allocUnsafe(length);
    snappyDecompressInto(data, 0, data.length, out, 0);
    return out;
  }
  const blockStarts: number[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw corruptInput('snappy', 'truncated xerial block header');
    const size = data.readInt32BE(pos);
    if (size < 0 || pos + 4 + size > data.length) throw corruptInput('snappy', `xerial block of ${size} bytes runs past the end`);
    total += snappyReadLength(data, pos + 4, pos + 4 + size)[0];
    if (total > maxOutputBytes) throw outputTooLarge('snappy', maxOutputBytes);
    blockStarts.push(pos);
    pos += 4 + size;
  }
  const out = Buffer.allocUnsafe(total);
  let written = 0;
  for (const start of blockStarts) {
    const end = start + 4 + data.readInt32BE(start);
    written += snappyDecompressInto(data, start + 4, end, out, written);
  }
  return out;
}

export const snappyCodec: Codec = {
  compress: (data: Buffer): Buffer => snappyXerialCompress(data),
  decompress: (data: Buffer, options: DecompressOptions): Buffer => snappyDecompress(data, options.maxOutputBytes),
};
