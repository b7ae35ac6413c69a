import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { lz4Codec, lz4FrameCompress, lz4FrameDecompress } from '../../../src/compression/lz4.js';
import { xxhash32 } from '../../../src/compression/xxhash32.js';
import { KafkaDecodeError } from '../../../src/protocol/errors.js';
import { SAMPLE_KINDS, SAMPLE_SIZES, hasPythonModule, runPython, sampleData } from './python-peer.js';

const nativeLz4 = createRequire(import.meta.url)('lz4-napi') as { compressFrameSync(data: Buffer): Buffer; decompressFrameSync(data: Buffer): Buffer };

test('frames round trip and lz4-napi (lz4_flex) reads ours and we read its', () => {
  for (const size of SAMPLE_SIZES) {
    for (const kind of SAMPLE_KINDS) {
      const data = sampleData(kind, size);
      const frame = lz4FrameCompress(data, 2);
      assert.deepEqual(lz4FrameDecompress(frame, 2, size), data, `self ${kind} ${size}`);
      assert.deepEqual(nativeLz4.decompressFrameSync(frame), data, `native reads ours ${kind} ${size}`);
      assert.deepEqual(lz4FrameDecompress(nativeLz4.compressFrameSync(data), 2, size), data, `we read native ${kind} ${size}`);
    }
  }
});

test('the frame header is the Java client\'s: 64 KiB independent blocks, no checksums', () => {
  const frame = lz4FrameCompress(sampleData('text', 200_000), 2);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame[4], 0x60);
  assert.equal(frame[5], 0x40);
  assert.equal(frame[6], (xxhash32(frame, 4, 6) >>> 8) & 0xff);
  assert.equal(frame.readUInt32LE(frame.length - 4), 0, 'ends with the end mark');
});

test('incompressible blocks are stored uncompressed', () => {
  const data = sampleData('random', 70_000);
  const frame = lz4FrameCompress(data, 2);
  assert.equal(frame.readUInt32LE(7), (0x80000000 | 65536) >>> 0);
  assert.deepEqual(lz4FrameDecompress(frame, 2, 1 << 20), data);
});

test('python-lz4 frames with every option are read: content size, block and content checksums, linked blocks', { skip: !hasPythonModule('lz4') && 'python3-lz4 is not installed' }, () => {
  const data = sampleData('text', 300_000);
  for (const options of ['', 'content_checksum=True', 'block_checksum=True', 'block_linked=True', 'store_size=True', 'block_size=lz4.frame.BLOCKSIZE_MAX4MB', 'compression_level=9']) {
    const frame = runPython(`import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read(), ${options}))`, data);
    assert.deepEqual(lz4FrameDecompress(frame, 2, 1 << 20), data, options);
  }
  assert.deepEqual(runPython('import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.decompress(sys.stdin.buffer.read()))', lz4FrameCompress(data, 2)), data);
});

test('magic 0 frames carry the broken header checksum, which only magic 0 readers accept', () => {
  const data = sampleData('text', 5000);
  const legacyFrame = lz4FrameCompress(data, 0);
  assert.equal(legacyFrame[6], (xxhash32(legacyFrame, 0, 6) >>> 8) & 0xff);
  assert.deepEqual(lz4FrameDecompress(legacyFrame, 0, 1 << 20), data);
  assert.throws(() => lz4FrameDecompress(legacyFrame, 1, 1 << 20), /header checksum mismatch/);
  // A correct checksum is accepted in magic 0 data too (some writers produced it).
  assert.deepEqual(lz4FrameDecompress(lz4FrameCompress(data, 1), 0, 1 << 20), data);
});

test('checksum mismatches and malformed frames are decode errors', () => {
  const data = sampleData('text', 5000);
  const frame = lz4FrameCompress(data, 2);
  const cases: [string, Buffer][] = [
    ['bad magic', Buffer.concat([Buffer.from([1, 2, 3, 4]), frame.subarray(4)])],
    ['truncated header', frame.subarray(0, 5)],
    ['truncated block', frame.subarray(0, 20)],
    ['missing end mark', frame.subarray(0, frame.length - 4)],
    ['bad header checksum', Buffer.concat([frame.subarray(0, 6), Buffer.from([frame[6]! ^ 1]), frame.subarray(7)])],
    ['block size beyond the maximum', Buffer.concat([frame.subarray(0, 7), Buffer.from([0xff, 0xff, 0x01, 0x00]), frame.subarray(11)])],
    ['bad version', Buffer.concat([frame.subarray(0, 4), Buffer.from([0xa0]), frame.subarray(5)])],
    ['garbage block', Buffer.concat([frame.subarray(0, 7), Buffer.from([4, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff, 0, 0, 0, 0])])],
  ];
  for (const [name, input] of cases) assert.throws(() => lz4FrameDecompress(input, 2, 1 << 20), KafkaDecodeError, name);
  // Our frame with a content checksum added: valid as it is, caught once a literal byte changes.
  const checked = Buffer.concat([frame, Buffer.alloc(4)]);
  checked[4] = 0x64;
  checked[6] = (xxhash32(checked, 4, 6) >>> 8) & 0xff;
  checked.writeUInt32LE(xxhash32(data), checked.length - 4);
  assert.deepEqual(lz4FrameDecompress(checked, 2, 1 << 20), data);
  // The first sequence's literals follow its token (at 11) and any literal-length bytes.
  let literalAt = 12;
  if (checked[11]! >>> 4 === 15) while (checked[literalAt++] === 255);
  assert.equal(checked[literalAt], data[0]);
  checked[literalAt]! ^= 0x20;
  assert.throws(() => lz4FrameDecompress(checked, 2, 1 << 20), /content checksum mismatch/);
});

test('output beyond the limit is refused as the blocks are decoded', () => {
  const frame = lz4FrameCompress(Buffer.alloc(1 << 20), 2);
  assert.throws(() => lz4Codec.decompress(frame, { magic: 2, maxOutputBytes: 100_000 }), /limit of 100000 bytes/);
  assert.equal((lz4Codec.decompress(frame, { magic: 2, maxOutputBytes: 1 << 20 }) as Buffer).length, 1 << 20);
});
