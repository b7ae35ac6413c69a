import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType, type CompressionName, registerCodec, restoreBuiltInCodec, getBuiltInCodec } from '../../../src/compression/index.js';
import { KafkaInvalidArgumentError, KafkaStateError } from '../../../src/protocol/errors.js';
import { RecordBatchBuilder, recordSizeUpperBound } from '../../../src/records/batch-builder.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import { TimestampType } from '../../../src/records/constants.js';
import { crc32c } from '../../../src/records/crc.js';

const CODECS: CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function decode(buffer: Buffer): DefaultRecordBatch {
  return new DefaultRecordBatch(buffer, 0);
}

test('every header field and record survives a round trip, for every codec', async () => {
  for (const compression of CODECS) {
    const builder = new RecordBatchBuilder({
      compression,
      baseOffset: 1000,
      partitionLeaderEpoch: 7,
      producerId: 123456789012,
      producerEpoch: 3,
      baseSequence: 42,
      isTransactional: true,
    });
    const appended: number[] = [];
    for (let i = 0; i < 50; i++) {
      appended.push(
        builder.append({
          key: i % 5 === 0 ? null : `key-${i}`,
          value: i % 7 === 0 ? null : Buffer.from(`value-${i}-`.repeat(i % 4 + 1)),
          timestamp: 1_700_000_000_000 + (i % 3 === 0 ? -i : i * 10),
          headers: i % 2 === 0 ? [{ key: 'h1', value: `hv-${i}` }, { key: 'ünï', value: null }] : undefined,
        }),
      );
    }
    assert.deepEqual(appended, Array.from({ length: 50 }, (_, i) => 1000 + i));
    const bytes = await builder.close();
    const batch = decode(bytes);
    assert.equal(batch.magic, 2);
    assert.equal(batch.baseOffset, 1000);
    assert.equal(batch.lastOffset, 1049);
    assert.equal(batch.nextOffset, 1050);
    assert.equal(batch.lastOffsetDelta, 49);
    assert.equal(batch.partitionLeaderEpoch, 7);
    assert.equal(batch.producerId, 123456789012);
    assert.equal(batch.producerEpoch, 3);
    assert.equal(batch.baseSequence, 42);
    assert.equal(batch.lastSequence, 91);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.isControl, false);
    assert.equal(batch.hasDeleteHorizon, false);
    assert.equal(batch.compression, CompressionType[({ none: 'None', gzip: 'Gzip', snappy: 'Snappy', lz4: 'Lz4', zstd: 'Zstd' } as const)[compression]]);
    assert.equal(batch.timestampType, TimestampType.CreateTime);
    assert.equal(batch.baseTimestamp, 1_700_000_000_000);
    assert.equal(batch.maxTimestamp, 1_700_000_000_000 + 490);
    assert.equal(batch.recordCount, 50);
    assert.equal(batch.sizeInBytes, bytes.length);
    assert.equal(bytes.readInt32BE(8), bytes.length - 12);
    assert.equal(bytes.readUInt32BE(17), crc32c(bytes, 21, bytes.length));
    const records = await batch.records();
    assert.equal(records.length, 50);
    for (let i = 0; i < 50; i++) {
      const record = records[i]!;
      assert.equal(record.offset, 1000 + i);
      assert.equal(record.timestamp, 1_700_000_000_000 + (i % 3 === 0 ? -i : i * 10));
      assert.equal(record.key?.toString() ?? null, i % 5 === 0 ? null : `key-${i}`);
      assert.equal(record.value?.toString() ?? null, i % 7 === 0 ? null : `value-${i}-`.repeat(i % 4 + 1));
      if (i % 2 === 0) {
        assert.deepEqual(
          record.headers.map((h) => [h.key, h.value?.toString() ?? null]),
          [
            ['h1', `hv-${i}`],
            ['ünï', null],
          ],
        );
      } else {
        assert.equal(record.headers.length, 0);
      }
    }
  }
});

test('an uncompressed batch has the exact layout of the format, byte for byte', () => {
  const builder = new RecordBatchBuilder({ baseOffset: 5 });
  builder.append({ key: Buffer.from([0xaa]), value: Buffer.from([0xbb, 0xcc]), timestamp: 0x0102030405, headers: [{ key: 'k', value: Buffer.from([1]) }] });
  const bytes = builder.closeSync();
  const record = Buffer.from([
    0x1a, // length 13, zigzag
    0x00, // attributes
    0x00, // timestamp delta 0
    0x00, // offset delta 0
    0x02, 0xaa, // key length 1, key
    0x04, 0xbb, 0xcc, // value length 2, value
    0x02, // one header
    0x02, 0x6b, // header key "k"
    0x02, 0x01, // header value
  ]);
  const expectedHeader = Buffer.alloc(61);
  expectedHeader.writeBigInt64BE(5n, 0);
  expectedHeader.writeInt32BE(61 - 12 + record.length, 8);
  expectedHeader.writeInt32BE(-1, 12);
  expectedHeader[16] = 2;
  expectedHeader.writeInt16BE(0, 21);
  expectedHeader.writeInt32BE(0, 23);
  expectedHeader.writeBigInt64BE(0x0102030405n, 27);
  expectedHeader.writeBigInt64BE(0x0102030405n, 35);
  expectedHeader.writeBigInt64BE(-1n, 43);
  expectedHeader.writeInt16BE(-1, 51);
  expectedHeader.writeInt32BE(-1, 53);
  expectedHeader.writeInt32BE(1, 57);
  const expected = Buffer.concat([expectedHeader, record]);
  expected.writeUInt32BE(crc32c(expected, 21, expected.length), 17);
  assert.deepEqual(bytes, expected);
});

test('the uncompressed size estimate is exact and hasRoomFor respects the write limit', () => {
  const builder = new RecordBatchBuilder({ writeLimit: 1000 });
  const record = { key: 'k', value: 'x'.repeat(90), timestamp: 1 };
  assert.equal(builder.hasRoomFor(record), true);
  let appended = 0;
  while (builder.hasRoomFor(record)) {
    builder.append(record);
    appended++;
    assert.ok(builder.estimatedSizeInBytes() <= 1000);
  }
  // Each record takes 100 bytes; the bound (15 bytes of deltas) is 113, so 9 fit under 1000.
  assert.equal(recordSizeUpperBound(record), 113);
  assert.equal(appended, 9);
  const size = builder.estimatedSizeInBytes();
  assert.equal(builder.closeSync().length, size);
  assert.equal(builder.hasRoomFor(record), false);
});

test('an empty batch always has room for one record, however large', () => {
  const builder = new RecordBatchBuilder({ writeLimit: 100 });
  const big = { value: Buffer.alloc(5000, 1), timestamp: 0 };
  assert.equal(builder.hasRoomFor(big), true);
  builder.append(big);
  assert.equal(builder.hasRoomFor({ value: 'x', timestamp: 0 }), false);
  const batch = decode(builder.closeSync());
  assert.equal(batch.recordsSync()[0]!.value!.length, 5000);
});

test('compressed estimates use the expected ratio and the ratio is reported after close', () => {
  const builder = new RecordBatchBuilder({ compression: 'gzip', estimatedCompressionRatio: 0.5 });
  for (let i = 0; i < 100; i++) builder.append({ value: 'abcdefghij'.repeat(10), timestamp: 0 });
  const uncompressed = builder.uncompressedRecordsSize;
  assert.equal(builder.estimatedSizeInBytes(), 61 + Math.ceil(uncompressed * 0.5 * 1.05));
  const bytes = builder.closeSync();
  assert.equal(builder.compressionRatio, (bytes.length - 61) / uncompressed);
  assert.ok(builder.compressionRatio < 0.1);
});

test('explicit offsets must increase; gaps are kept', () => {
  const builder = new RecordBatchBuilder({ baseOffset: 10 });
  assert.equal(builder.append({ value: 'a', offset: 10, timestamp: 0 }), 10);
  assert.equal(builder.append({ value: 'b', offset: 15, timestamp: 0 }), 15);
  assert.throws(() => builder.append({ value: 'c', offset: 15, timestamp: 0 }), KafkaInvalidArgumentError);
  assert.equal(builder.append({ value: 'd', timestamp: 0 }), 16);
  const batch = decode(builder.closeSync());
  assert.equal(batch.lastOffsetDelta, 6);
  assert.deepEqual(batch.recordsSync().map((r) => r.offset), [10, 15, 16]);
  assert.throws(() => new RecordBatchBuilder({ baseOffset: 10 }).append({ offset: 9 }), KafkaInvalidArgumentError);
});

test('large and negative timestamp deltas use the varlong encoding', () => {
  const builder = new RecordBatchBuilder();
  const timestamps = [1_700_000_000_000, 0, 1_700_000_000_000 + 2 ** 40, 1_700_000_000_000 - 2 ** 35, Number.MAX_SAFE_INTEGER - 5];
  for (const timestamp of timestamps) builder.append({ value: 'v', timestamp });
  const batch = decode(builder.closeSync());
  assert.deepEqual(batch.recordsSync().map((r) => r.timestamp), timestamps);
  assert.equal(batch.maxTimestamp, Number.MAX_SAFE_INTEGER - 5);
});

test('LogAppendTime batches give every record the append time', () => {
  const builder = new RecordBatchBuilder({ timestampType: TimestampType.LogAppendTime, logAppendTime: 1234567 });
  builder.append({ value: 'a', timestamp: 5 });
  builder.append({ value: 'b', timestamp: 9 });
  const batch = decode(builder.closeSync());
  assert.equal(batch.timestampType, TimestampType.LogAppendTime);
  assert.equal(batch.maxTimestamp, 1234567);
  assert.deepEqual(batch.recordsSync().map((r) => r.timestamp), [1234567, 1234567]);
  assert.throws(() => new RecordBatchBuilder({ timestampType: TimestampType.LogAppendTime }), KafkaInvalidArgumentError);
});

test('the delete horizon is stored in the base timestamp and record timestamps stay right', () => {
  const builder = new RecordBatchBuilder({ deleteHorizonMs: 5_000_000 });
  builder.append({ value: 'a', timestamp: 4_000_000 });
  builder.append({ value: 'b', timestamp: 4_500_000 });
  const batch = decode(builder.closeSync());
  assert.equal(batch.hasDeleteHorizon, true);
  assert.equal(batch.deleteHorizonMs, 5_000_000);
  assert.equal(batch.baseTimestamp, 5_000_000);
  assert.deepEqual(batch.recordsSync().map((r) => r.timestamp), [4_000_000, 4_500_000]);
});

test('records without a timestamp take the clock, and the clock can be given', () => {
  const builder = new RecordBatchBuilder({ now: () => 777 });
  builder.append({ value: 'a' });
  assert.equal(decode(builder.closeSync()).recordsSync()[0]!.timestamp, 777);
});

test('misuse gives typed errors', () => {
  const builder = new RecordBatchBuilder();
  builder.append({ value: 'a', timestamp: 0 });
  builder.closeSync();
  assert.throws(() => builder.append({ value: 'b' }), KafkaStateError);
  assert.throws(() => builder.closeSync(), KafkaStateError);
  assert.throws(() => new RecordBatchBuilder().append({ value: 42 as unknown as string }), KafkaInvalidArgumentError);
  assert.throws(() => new RecordBatchBuilder().append({ value: 'a', timestamp: 1.5 }), KafkaInvalidArgumentError);
  assert.throws(() => new RecordBatchBuilder({ compression: 'brotli' as CompressionName }), KafkaInvalidArgumentError);
  assert.throws(() => new RecordBatchBuilder({ producerEpoch: 40000 }), KafkaInvalidArgumentError);
  assert.throws(() => new RecordBatchBuilder({ baseOffset: 2 ** 60 }), KafkaInvalidArgumentError);
});

test('closing an empty builder gives no batch', () => {
  assert.equal(new RecordBatchBuilder().closeSync().length, 0);
});

test('closeSync refuses an asynchronous codec, close awaits it', async () => {
  const lz4 = getBuiltInCodec('lz4');
  registerCodec('lz4', { compress: async (data, options) => lz4.compress(data, options), decompress: (data, options) => lz4.decompress(data, options) });
  try {
    const syncBuilder = new RecordBatchBuilder({ compression: 'lz4' });
    syncBuilder.append({ value: 'a', timestamp: 0 });
    assert.throws(() => syncBuilder.closeSync(), KafkaStateError);
    const builder = new RecordBatchBuilder({ compression: 'lz4' });
    builder.append({ value: 'hello', timestamp: 0 });
    const batch = decode(await builder.close());
    assert.equal(batch.recordsSync()[0]!.value!.toString(), 'hello');
  } finally {
    restoreBuiltInCodec('lz4');
  }
});
