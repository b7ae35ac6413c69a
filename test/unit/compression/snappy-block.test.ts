import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { KafkaDecodeError } from '../../../src/protocol/errors.js';
import { snappyCompressBlock, snappyDecompressBlock, snappyMaxCompressedLength } from '../../../src/compression/snappy-block.js';
import { SAMPLE_KINDS, SAMPLE_SIZES, hasPythonModule, runPython, sampleData } from './python-peer.js';

const nativeSnappy = createRequire(import.meta.url)('snappy') as { compressSync(data: Uint8Array): Buffer; uncompressSync(data: Uint8Array): Buffer };

test('blocks round trip and the native snappy library reads ours and we read its, both ways', () => {
  for (const size of SAMPLE_SIZES) {
    for (const kind of SAMPLE_KINDS) {
      const data = sampleData(kind, size);
      const ours = snappyCompressBlock(data);
      assert.ok(ours.length <= snappyMaxCompressedLength(size));
      assert.deepEqual(snappyDecompressBlock(ours, size), data, `self ${kind} ${size}`);
      assert.deepEqual(nativeSnappy.uncompressSync(ours), data, `native reads ours ${kind} ${size}`);
      assert.deepEqual(snappyDecompressBlock(nativeSnappy.compressSync(data), size), data, `we read native ${kind} ${size}`);
    }
  }
});

test('compressible data compresses, incompressible data grows by at most the format overhead', () => {
  assert.ok(snappyCompressBlock(sampleData('text', 100_000)).length < 40_000);
  assert.ok(snappyCompressBlock(sampleData('zeros', 100_000)).length < 5_000);
  assert.ok(snappyCompressBlock(sampleData('random', 100_000)).length <= snappyMaxCompressedLength(100_000));
});

test('python-snappy reads our blocks and we read its', { skip: !hasPythonModule('snappy') && 'python3-snappy is not installed' }, () => {
  const data = sampleData('text', 200_000);
  assert.deepEqual(runPython('import sys, snappy; sys.stdout.buffer.write(snappy.uncompress(sys.stdin.buffer.read()))', snappyCompressBlock(data)), data);
  assert.deepEqual(snappyDecompressBlock(runPython('import sys, snappy; sys.stdout.buffer.write(snappy.compress(sys.stdin.buffer.read()))', data), data.length), data);
});

test('malformed blocks are decode errors, never crashes', () => {
  const valid = snappyCompressBlock(sampleData('text', 5000));
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['length only', Buffer.from([0x10])],
    ['unterminated length', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])],
    ['copy before the start', Buffer.from([0x08, 0x01 | (0 << 2), 0x05])],
    ['literal past the end', Buffer.from([0x05, 0x10, 0x61])],
    ['copy past the declared length', Buffer.from([0x02, 0x00, 0x61, 0x05, 0x01])],
    ['zero offset', Buffer.from([0x08, 0x00, 0x61, 0x01, 0x00])],
    ['shorter than declared', Buffer.concat([Buffer.from([0xff, 0x01]), valid.subarray(2)])],
    ['truncated', valid.subarray(0, valid.length - 3)],
  ];
  for (const [name, input] of cases) {
    assert.throws(() => snappyDecompressBlock(input, 1 << 20), KafkaDecodeError, name);
  }
});

test('a declared length over the limit is refused before allocating', () => {
  // Declares 2^32-1 bytes in five bytes.
  assert.throws(() => snappyDecompressBlock(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), 1 << 20), /limit of 1048576 bytes/);
});
