import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isXerialFramed, snappyCodec, snappyDecompress, snappyXerialCompress } from '../../../src/compression/snappy.js';
import { snappyCompressBlock } from '../../../src/compression/snappy-block.js';
import { KafkaDecodeError } from '../../../src/protocol/errors.js';
import { hasPythonModule, runPython, sampleData } from './python-peer.js';

test('xerial framing: header, 32 KiB blocks, and a round trip', () => {
  const data = sampleData('text', 100_000);
  const framed = snappyXerialCompress(data);
  assert.deepEqual([...framed.subarray(0, 16)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(isXerialFramed(framed), true);
  let blocks = 0;
  for (let pos = 16; pos < framed.length; pos += 4 + framed.readInt32BE(pos)) blocks++;
  assert.equal(blocks, Math.ceil(100_000 / 32_768));
  assert.deepEqual(snappyDecompress(framed, 1 << 20), data);
  assert.deepEqual(snappyDecompress(snappyXerialCompress(Buffer.alloc(0)), 10), Buffer.alloc(0));
});

test('raw snappy blocks (as some clients write) are read too', () => {
  const data = sampleData('text', 10_000);
  const raw = snappyCompressBlock(data);
  assert.equal(isXerialFramed(raw), false);
  assert.deepEqual(snappyCodec.decompress(raw, { magic: 2, maxOutputBytes: 1 << 20 }), data);
});

test('kafka-python reads our xerial framing and we read its', { skip: !(hasPythonModule('snappy') && hasPythonModule('kafka')) && 'python3-snappy or python3-kafka missing' }, () => {
  const data = sampleData('text', 150_000);
  const decodedByPython = runPython('import sys; from kafka.codec import snappy_decode; sys.stdout.buffer.write(snappy_decode(sys.stdin.buffer.read()))', snappyXerialCompress(data));
  assert.deepEqual(decodedByPython, data);
  const framedByPython = runPython('import sys; from kafka.codec import snappy_encode; sys.stdout.buffer.write(snappy_encode(sys.stdin.buffer.read(), xerial_compatible=True, xerial_blocksize=32*1024))', data);
  assert.equal(isXerialFramed(framedByPython), true);
  assert.deepEqual(snappyDecompress(framedByPython, 1 << 20), data);
});

test('the sum of xerial block lengths is checked against the limit before any block is decoded', () => {
  const framed = snappyXerialCompress(Buffer.alloc(200_000));
  assert.throws(() => snappyDecompress(framed, 100_000), /limit of 100000 bytes/);
});

test('broken xerial framing is a decode error', () => {
  const framed = snappyXerialCompress(sampleData('text', 50_000));
  const badLength = Buffer.from(framed);
  badLength.writeInt32BE(1 << 30, 16);
  assert.throws(() => snappyDecompress(badLength, 1 << 20), KafkaDecodeError);
  assert.throws(() => snappyDecompress(framed.subarray(0, 18), 1 << 20), KafkaDecodeError);
  assert.throws(() => snappyDecompress(framed.subarray(0, framed.length - 1), 1 << 20), KafkaDecodeError);
});
