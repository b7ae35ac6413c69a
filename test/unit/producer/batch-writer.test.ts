/**
 * The producer's batch writer against the record layer: byte-identical batches to
 * RecordBatchBuilder's for the same records (every codec, keys, values, headers, timestamps out of
 * order), producer state written before the CRC, and batches the record layer reads back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchWriter } from '../../../src/producer/batch-writer.js';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { readRecordBatches } from '../../../src/records/record-set.js';
import { CompressionType } from '../../../src/compression/types.js';
import type { ProducerHeader } from '../../../src/producer/serializers.js';

interface Sample {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: ProducerHeader[] | undefined;
  timestamp: number;
}

function samples(count: number): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    key: i % 5 === 0 ? null : i % 3 === 0 ? `text-key-${i}-ключ` : Buffer.from(`key-${i}`),
    value: i % 7 === 0 ? null : i % 4 === 0 ? 'x'.repeat(i * 3) : Buffer.alloc((i * 53) % 700, i),
    headers: i % 2 === 0 ? undefined : [{ key: `h${i}`, value: i % 3 === 0 ? null : Buffer.from([i, 0, 255]) }, { key: 'ü', value: 'text' }],
    // Out of order, and far apart: negative deltas and multi-byte varlongs.
    timestamp: 1_700_000_000_000 + ((i * 7919) % 1000) * 1000 - 500_000,
  }));
}

function length(bytes: Buffer | string | null): number {
  return bytes === null ? -1 : typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
}

describe('BatchWriter', () => {
  for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
    it(`writes the same bytes as RecordBatchBuilder (compression ${compression})`, async () => {
      const records = samples(120);
      const builder = new RecordBatchBuilder({ compression, producerId: 4242, producerEpoch: 7, baseSequence: 1000 });
      const writer = new BatchWriter(Buffer.alloc(100));
      for (const record of records) {
        builder.append(record);
        writer.grow(Math.max(writer.capacity, 61 + writer.recordsSize + 2000));
        writer.append(record.key, length(record.key), record.value, length(record.value), record.headers, record.timestamp);
      }
      const expected = await builder.close();
      const written = await writer.close(compression, undefined, 4242, 7, 1000);
      assert.equal(written.toString('hex'), expected.toString('hex'));
      const [batch] = readRecordBatches(written).batches;
      assert.equal(batch!.producerId, 4242);
      assert.equal(batch!.producerEpoch, 7);
      assert.equal(batch!.baseSequence, 1000);
      const read = await batch!.records();
      assert.deepEqual(
        read.map((record) => [record.offset, record.key?.toString('hex') ?? null, record.value?.toString('hex') ?? null, record.timestamp, record.headers.map((header) => [header.key, header.value?.toString('hex') ?? null])]),
        records.map((record, index) => [
          index,
          record.key === null ? null : Buffer.from(record.key).toString('hex'),
          record.value === null ? null : Buffer.from(record.value).toString('hex'),
          record.timestamp,
          (record.headers ?? []).map((header) => [header.key, header.value === null ? null : Buffer.from(header.value as Uint8Array | string).toString('hex')]),
        ]),
      );
    });
  }

  it('keeps what it wrote when its buffer grows, and reports its size', () => {
    const writer = new BatchWriter(Buffer.alloc(100));
    assert.equal(writer.capacity, 100);
    writer.append(null, -1, Buffer.alloc(20, 1), 20, undefined, 5);
    const size = writer.recordsSize;
    assert.ok(size > 20 && size < 40);
    writer.grow(4096);
    assert.equal(writer.capacity, 4096);
    writer.append(null, -1, Buffer.alloc(2000, 2), 2000, undefined, 6);
    const batch = writer.close(CompressionType.None, undefined, -1, -1, -1) as Buffer;
    const records = readRecordBatches(batch).batches[0]!.recordsSync();
    assert.deepEqual(records.map((record) => [record.offset, record.value!.length, record.value![0], record.timestamp]), [[0, 20, 1, 5], [1, 2000, 2, 6]]);
  });
});
