/**
 * RecordCursor: reading a batch's records one at a time (the consumer's path), passing over
 * records before a position without reading their fields, and naming the batch when it is corrupt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';

function batchOf(compression: 'none' | 'lz4', count: number): DefaultRecordBatch {
  const builder = new RecordBatchBuilder({ compression, baseOffset: 500 });
  for (let i = 0; i < count; i++) {
    builder.append({ key: i % 2 ? null : `k${i}`, value: `value-${i}`, timestamp: 1000 + i, headers: i === 1 ? [{ key: 'h', value: 'x' }] : [] });
  }
  return new DefaultRecordBatch(Buffer.from(builder.closeSync()), 0, { topic: 'orders', partition: 3 });
}

for (const compression of ['none', 'lz4'] as const) {
  test(`reads every record's fields, ${compression}`, async () => {
    const batch = batchOf(compression, 4);
    const section = await batch.recordsSection();
    const cursor = batch.cursor(section);
    const read: unknown[] = [];
    while (cursor.remaining > 0) {
      assert.equal(cursor.next(-Infinity), true);
      read.push([cursor.offset, cursor.timestamp, cursor.key?.toString() ?? null, cursor.value?.toString(), cursor.headers.map((h) => `${h.key}=${h.value}`)]);
    }
    assert.deepEqual(read, [
      [500, 1000, 'k0', 'value-0', []],
      [501, 1001, null, 'value-1', ['h=x']],
      [502, 1002, 'k2', 'value-2', []],
      [503, 1003, null, 'value-3', []],
    ]);
    assert.deepEqual((await batch.records()).map((record) => record.offset), [500, 501, 502, 503]);
  });
}

test('passes over records before the position without reading their key and value', () => {
  const batch = batchOf('none', 3);
  const cursor = batch.cursor(batch.recordsSection() as Buffer);
  assert.equal(cursor.next(502), false);
  assert.equal(cursor.offset, 500);
  assert.equal(cursor.key === null, true, 'the key of a skipped record is not read');
  assert.equal(cursor.next(502), false);
  assert.equal(cursor.next(502), true);
  assert.deepEqual([cursor.offset, cursor.key?.toString(), cursor.value?.toString(), cursor.remaining], [502, 'k2', 'value-2', 0]);
});

test('a record whose length runs past the section is a corrupt batch named by topic, partition and offset', () => {
  const batch = batchOf('none', 2);
  const section = Buffer.from(batch.recordsSection() as Buffer);
  section[0] = 0x7e; // the first record's length varint: 63 bytes, more than the section holds
  const cursor = batch.cursor(section);
  assert.throws(
    () => cursor.next(-Infinity),
    (error: unknown) => error instanceof KafkaCorruptRecordError && error.topic === 'orders' && error.partition === 3 && error.offset === 500 && /record 0 has invalid length 63/.test(error.message),
  );
  assert.throws(() => batch.cursor(section.subarray(0, 5)), /record count 2 cannot fit in 5 bytes/);
});
