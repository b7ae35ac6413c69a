import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { gzipCodec } from '../../../src/compression/gzip.js';
import { KafkaDecodeError } from '../../../src/protocol/errors.js';
import { hasPythonModule, runPython, sampleData } from './python-peer.js';

test('gzip round trips, honours the level and writes a plain gzip stream', () => {
  const data = sampleData('text', 100_000);
  const fast = gzipCodec.compress(data, { magic: 2, level: 1 }) as Buffer;
  const best = gzipCodec.compress(data, { magic: 2, level: 9 }) as Buffer;
  assert.ok(best.length < fast.length);
  assert.deepEqual([fast[0], fast[1]], [0x1f, 0x8b]);
  assert.deepEqual(zlib.gunzipSync(best), data);
  assert.deepEqual(gzipCodec.decompress(best, { magic: 2, maxOutputBytes: data.length }), data);
});

test('python reads our gzip and we read its', { skip: !hasPythonModule('gzip') && 'python gzip missing' }, () => {
  const data = sampleData('text', 50_000);
  assert.deepEqual(runPython('import sys, gzip; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))', gzipCodec.compress(data, { magic: 2 }) as Buffer), data);
  assert.deepEqual(gzipCodec.decompress(runPython('import sys, gzip; sys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read()))', data), { magic: 2, maxOutputBytes: 1 << 20 }), data);
});

test('garbage and over-limit output are decode errors', () => {
  assert.throws(() => gzipCodec.decompress(Buffer.from('garbage!'), { magic: 2, maxOutputBytes: 100 }), KafkaDecodeError);
  const big = zlib.gzipSync(Buffer.alloc(10 << 20));
  assert.throws(() => gzipCodec.decompress(big, { magic: 2, maxOutputBytes: 1 << 20 }), /limit of 1048576 bytes/);
  assert.deepEqual(gzipCodec.decompress(zlib.gzipSync(Buffer.alloc(0)), { magic: 2, maxOutputBytes: 0 }), Buffer.alloc(0));
});
