/**
 * LZ4 in the LZ4 frame format, as Kafka uses it.
 *
 * Frame: magic 0x184D2204 (little-endian), a descriptor (FLG, BD, optional content size and
 * dictionary id), a header checksum byte HC = second byte of xxHash32(descriptor), then blocks
 * (int32 LE size, high bit = stored uncompressed, optional xxHash32 block checksum), an end mark
 * (size 0) and an optional xxHash32 content checksum.
 *
 * The magic-0 quirk: Kafka's first LZ4 writer (0.8/0.9, kept for magic 0 message sets) hashed the
 * descriptor together with the 4 magic bytes before it. For data in magic 0 message sets the
 * reader accepts that value as well as the correct one, and the writer produces it, so that old
 * readers accept what kafkats writes; magic 1 and 2 use the correct checksum only.
 *
 * The writer mirrors the Java client: 64 KiB independent blocks, no block or content checksum.
 */
import type { Codec, CompressOptions, DecompressOptions } from './types.js';
import { corruptInput, outputTooLarge } from './limits.js';
import { lz4CompressBlockInto, lz4DecompressBlockInto, lz4MaxCompressedLength } from './lz4-block.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const BLOCK_SIZE = 64 * 1024;
const BLOCK_SIZE_ID_64KB = 4;
const FLAG_VERSION = 0x40;
const FLAG_BLOCK_INDEPENDENT = 0x20;
const FLAG_BLOCK_CHECKSUM = 0x10;
const FLAG_CONTENT_SIZE = 0x08;
const FLAG_CONTENT_CHECKSUM = 0x04;
const FLAG_RESERVED = 0x02;
const FLAG_DICTIONARY_ID = 0x01;
const UNCOMPRESSED_BLOCK_BIT = 0x80000000;

/** The header checksum byte over frame[descriptorStart, descriptorEnd) (or, with the quirk, from the magic on). */
function headerChecksum(frame: Uint8Array, hashStart: number, descriptorEnd: number): number {
  return (xxhash32(frame, hashStart, descriptorEnd, 0) >>> 8) & 0xff;
}

/** Compresses data into one LZ4 frame; `magic` 0 writes the legacy header checksum (see above). */
export function lz4FrameCompress(data: Uint8Array, magic: number): Buffer {
  const blockCount = Math.ceil(data.length / BLOCK_SIZE);
  const out = Buffer.allocUnsafe(7 + blockCount * 4 + lz4MaxCompressedLength(data.length) + blockCount * 16 + 4);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out[4] = FLAG_VERSION | FLAG_BLOCK_INDEPENDENT;
  out[5] = BLOCK_SIZE_ID_64KB << 4;
  out[6] = headerChecksum(out, magic === 0 ? 0 : 4, 6);
  let pos = 7;
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE);
    const blockEnd = lz4CompressBlockInto(data, start, end, out, pos + 4);
    const compressedSize = blockEnd - pos - 4;
    if (compressedSize >= end - start) {
      // Incompressible: store the block as it is, flagged by the size's high bit.
      out.writeUInt32LE((UNCOMPRESSED_BLOCK_BIT | (end - start)) >>> 0, pos);
      out.set(data.subarray(start, end), pos + 4);
      pos += 4 + end - start;
    } else {
      out.writeUInt32LE(compressedSize, pos);
      pos = blockEnd;
    }
  }
  out.writeUInt32LE(0, pos);
  return out.subarray(0, pos + 4);
}

/** Decompresses one or more concatenated LZ4 frames, never producing more than maxOutputBytes. */
export function lz4FrameDecompress(data: Uint8Array, magic: number, maxOutputBytes: number): Buffer {
  let out = Buffer.allocUnsafe(Math.min(maxOutputBytes, Math.max(64, data.length * 4)));
  let op = 0;
  let pos = 0;
  const ensure = (needed: number): void => {
    if (needed <= out.length) return;
    const grown = Buffer.allocUnsafe(Math.min(maxOutputBytes, Math.max(needed, out.length * 2)));
    out.copy(grown, 0, 0, op);
    out = grown;
  };
  do {
    if (pos + 7 > data.length) throw corruptInput('lz4', 'truncated frame header');
    const frameStart = pos;
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (view.readUInt32LE(pos) !== FRAME_MAGIC) throw corruptInput('lz4', 'not an LZ4 frame (bad magic number)');
    const flags = data[pos + 4]!;
    const blockDescriptor = data[pos + 5]!;
    if ((flags & 0xc0) !== FLAG_VERSION) throw corruptInput('lz4', `unsupported frame version ${flags >>> 6}`);
    if (flags & FLAG_RESERVED || blockDescriptor & 0x8f) throw corruptInput('lz4', 'reserved bits set in frame descriptor');
    const blockSizeId = (blockDescriptor >>> 4) & 7;
    if (blockSizeId < 4) throw corruptInput('lz4', `invalid block size id ${blockSizeId}`);
    const blockMaxSize = 1 << (8 + 2 * blockSizeId);
    let descriptorEnd = pos + 6;
    let contentSize = -1;
    if (flags & FLAG_CONTENT_SIZE) {
      if (descriptorEnd + 8 > data.length) throw corruptInput('lz4', 'truncated frame header');
      contentSize = view.readUInt32LE(descriptorEnd) + view.readUInt32LE(descriptorEnd + 4) * 0x100000000;
      if (op + contentSize > maxOutputBytes) throw outputTooLarge('lz4', maxOutputBytes);
      descriptorEnd += 8;
    }
    if (flags & FLAG_DICTIONARY_ID) {
      // A dictionary is never agreed in Kafka, so data that needs one cannot be decoded.
      throw corruptInput('lz4', 'frame needs a dictionary');
    }
    if (descriptorEnd >= data.length) throw corruptInput('lz4', 'truncated frame header');
    const storedChecksum = data[descriptorEnd]!;
    if (
      storedChecksum !== headerChecksum(data, frameStart + 4, descriptorEnd) &&
      !(magic === 0 && storedChecksum === headerChecksum(data, frameStart, descriptorEnd))
    ) {
      throw corruptInput('lz4', 'frame header checksum mismatch');
    }
    pos = descriptorEnd + 1;
    const contentStart = op;
    const windowStart = flags & FLAG_BLOCK_INDEPENDENT ? -1 : contentStart;
    for (;;) {
      if (pos + 4 > data.length) throw corruptInput('lz4', 'truncated block header');
      const rawSize = view.readUInt32LE(pos);
      pos += 4;
      if (rawSize === 0) break;
      const size = rawSize & 0x7fffffff;
      if (size > blockMaxSize || pos + size > data.length) throw corruptInput('lz4', `block of ${size} bytes runs past the frame or its block size`);
      if (flags & FLAG_BLOCK_CHECKSUM) {
        if (pos + size + 4 > data.length) throw corruptInput('lz4', 'truncated block checksum');
        if (xxhash32(data, pos, pos + size) !== view.readUInt32LE(pos + size)) throw corruptInput('lz4', 'block checksum mismatch');
      }
      if (rawSize & UNCOMPRESSED_BLOCK_BIT) {
        if (op + size > maxOutputBytes) throw outputTooLarge('lz4', maxOutputBytes);
        ensure(op + size);
        out.set(data.subarray(pos, pos + size), op);
        op += size;
      } else {
        // A block cannot expand more than 255-fold, which bounds what one block can need.
        const blockLimit = Math.min(op + blockMaxSize, op + size * 255 + 16);
        const limit = Math.min(blockLimit, maxOutputBytes);
        ensure(limit);
        const blockStart = windowStart < 0 ? op : windowStart;
        const end = lz4DecompressBlockInto(data, pos, pos + size, out, op, limit, blockStart);
        if (end === -1) {
          if (limit === maxOutputBytes && limit < blockLimit) throw outputTooLarge('lz4', maxOutputBytes);
          throw corruptInput('lz4', 'block decompresses past its maximum size');
        }
        if (end === -2) throw corruptInput('lz4', 'malformed block');
        op = end;
      }
      pos += size + (flags & FLAG_BLOCK_CHECKSUM ? 4 : 0);
    }
    if (contentSize >= 0 && op - contentStart !== contentSize) {
      throw corruptInput('lz4', `frame holds ${op - contentStart} bytes, not the ${contentSize} it declares`);
    }
    if (flags & FLAG_CONTENT_CHECKSUM) {
      if (pos + 4 > data.length) throw corruptInput('lz4', 'truncated content checksum');
      if (xxhash32(out, contentStart, op) !== view.readUInt32LE(pos)) throw corruptInput('lz4', 'content checksum mismatch');
      pos += 4;
    }
  } while (pos < data.length);
  return out.subarray(0, op);
}

export const lz4Codec: Codec = {
  compress: (data: Buffer, options: CompressOptions): Buffer => lz4FrameCompress(data, options.magic),
  decompress: (data: Buffer, options: DecompressOptions): Buffer => lz4FrameDecompress(data, options.magic, options.maxOutputBytes),
};


