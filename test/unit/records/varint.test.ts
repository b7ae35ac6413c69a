import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { getInt64, putInt64, putVarint, putVarlong, sizeOfVarint, sizeOfVarlong } from '../../../src/records/varint.js';

const VARINTS = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 2 ** 20, -(2 ** 27), 2 ** 31 - 1, -(2 ** 31)];
const VARLONGS = [...VARINTS, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 3, -(2 ** 48) - 7, 2 ** 52 - 1, 2 ** 52, -(2 ** 52), -(2 ** 52) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

test('varints match the primitives Writer byte for byte and report their size', () => {
  for (const value of VARINTS) {
    const reference = new Writer();
    reference.writeVarint(value);
    const out = Buffer.alloc(10);
    const end = putVarint(out, 0, value);
    assert.deepEqual(out.subarray(0, end), reference.finish(), `varint ${value}`);
    assert.equal(sizeOfVarint(value), end, `size of varint ${value}`);
  }
});

test('varlongs match the bigint encoding byte for byte across the whole safe range', () => {
  for (const value of VARLONGS) {
    const reference = new Writer();
    reference.writeVarlong(BigInt(value));
    const out = Buffer.alloc(10);
    const end = putVarlong(out, 0, value);
    assert.deepEqual(out.subarray(0, end), reference.finish(), `varlong ${value}`);
    assert.equal(sizeOfVarlong(value), end, `size of varlong ${value}`);
    assert.equal(new Reader(out.subarray(0, end)).readVarlong(), BigInt(value));
  }
});

test('int64 numbers round trip and out-of-range values read as NaN', () => {
  const buffer = Buffer.alloc(8);
  for (const value of [0, 1, -1, 2 ** 32, -(2 ** 32) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
    putInt64(buffer, 0, value);
    assert.equal(buffer.readBigInt64BE(0), BigInt(value));
    assert.equal(getInt64(buffer, 0), value);
  }
  buffer.writeBigInt64BE(2n ** 60n, 0);
  assert.ok(Number.isNaN(getInt64(buffer, 0)));
});
