import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xxhash32 } from '../../../src/compression/xxhash32.js';
import { hasPythonModule, runPython, sampleData } from './python-peer.js';

test('xxHash32 gives the reference values', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from('a')), 0x550d7456);
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  assert.equal(xxhash32(Buffer.alloc(0), 0, 0, 1), 0x0b2cb792);
});

test('xxHash32 of a sub-range equals that of a copy, for every tail length', () => {
  const data = sampleData('random', 200, 5);
  for (let length = 0; length < 40; length++) {
    assert.equal(xxhash32(data, 3, 3 + length), xxhash32(Buffer.from(data.subarray(3, 3 + length))));
  }
});

test('LZ4 frames written by python-lz4 carry checksums our xxHash32 agrees with', { skip: !hasPythonModule('lz4') && 'python3-lz4 is not installed' }, () => {
  const data = sampleData('text', 1000);
  const frame = runPython('import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read(), content_checksum=True))', data);
  assert.equal(frame.readUInt32LE(frame.length - 4), xxhash32(data));
});
