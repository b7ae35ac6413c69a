import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { crc32, crc32c, crc32cPure, crc32Pure, crcImplementation } from '../../../src/records/crc.js';

const CHECK_INPUT = Buffer.from('123456789');

function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Bit-at-a-time reference CRC, independent of the table-driven code under test. */
function referenceCrc(polynomial: number, data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('CRC-32C and CRC-32 give the standard check values', () => {
  assert.equal(crc32c(CHECK_INPUT), 0xe3069283);
  assert.equal(crc32cPure(CHECK_INPUT), 0xe3069283);
  assert.equal(crc32(CHECK_INPUT), 0xcbf43926);
  assert.equal(crc32Pure(CHECK_INPUT), 0xcbf43926);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  assert.equal(crc32(Buffer.alloc(0)), 0);
});

test('the native package loads on this platform', () => {
  assert.equal(crcImplementation, 'native');
});

test('pure, native and reference CRCs agree on every length and alignment around the native threshold', () => {
  const data = pseudoRandom(5000, 7);
  for (const length of [1, 7, 8, 9, 15, 16, 17, 63, 64, 127, 128, 129, 255, 256, 1000, 4093]) {
    for (const start of [0, 1, 3, 5]) {
      const slice = data.subarray(start, start + length);
      const expectedC = referenceCrc(0x82f63b78, slice);
      const expected = referenceCrc(0xedb88320, slice);
      assert.equal(crc32cPure(data, start, start + length), expectedC, `pure crc32c length ${length} start ${start}`);
      assert.equal(crc32c(data, start, start + length), expectedC, `crc32c length ${length} start ${start}`);
      assert.equal(crc32Pure(data, start, start + length), expected, `pure crc32 length ${length} start ${start}`);
      assert.equal(crc32(data, start, start + length), expected, `crc32 length ${length} start ${start}`);
    }
  }
});

test('CRC-32 matches zlib on a large input', () => {
  const data = pseudoRandom(1 << 20, 99);
  assert.equal(crc32(data), zlib.crc32(data));
  assert.equal(crc32Pure(data), zlib.crc32(data));
});

test('the pure CRCs continue from a previous value', () => {
  const data = pseudoRandom(300, 3);
  assert.equal(crc32cPure(data, 100, 300, crc32cPure(data, 0, 100)), crc32c(data));
  assert.equal(crc32Pure(data, 100, 300, crc32Pure(data, 0, 100)), crc32(data));
});
