import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { type CompressionName, registerCodec, restoreBuiltInCodec, getBuiltInCodec } from '../../../src/compression/index.js';
import { KafkaDecodeError, KafkaStateError } from '../../../src/protocol/errors.js';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import { crc32c } from '../../../src/records/crc.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';

const CONTEXT = { topic: 'orders', partition: 3 };

function build(compression: CompressionName = 'none', count = 3, value = (i: number): string | Buffer => `value-${i}`): Buffer {
  const builder = new RecordBatchBuilder({ compression, baseOffset: 500 });
  for (let i = 0; i < count; i++) builder.append({ key: `k${i}`, value: value(i), timestamp: 1000 + i });
  return Buffer.from(builder.closeSync());
}

function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
  return batch;
}

/** Runs `action` and checks it fails with a corrupt-record error naming orders-3 at offset 500. */
async function assertCorrupt(action: () => unknown, detail: RegExp): Promise<void> {
  await assert.rejects(
    async () => action(),
    (error: unknown) => {
      assert.ok(error instanceof KafkaCorruptRecordError, `expected KafkaCorruptRecordError, got ${String(error)}`);
      assert.ok(error instanceof KafkaDecodeError);
      assert.equal(error.code, 2);
      assert.equal(error.errorName, 'CORRUPT_MESSAGE');
      assert.equal(error.retriable, false);
      assert.equal(error.topic, 'orders');
      assert.equal(error.partition, 3);
      assert.equal(error.offset, 500);
      assert.match(error.message, /orders-3, offset 500/);
      assert.match(error.message, detail);
      return true;
    },
  );
}

test('decoded keys, values and header values are views into the fetched buffer', () => {
  const bytes = build();
  const records = new DefaultRecordBatch(bytes, 0).recordsSync();
  for (const record of records) {
    assert.equal(record.key!.buffer, bytes.buffer);
    assert.equal(record.value!.buffer, bytes.buffer);
  }
  assert.deepEqual(records.map((r) => r.value!.toString()), ['value-0', 'value-1', 'value-2']);
});

test('records are decoded once and then cached', async () => {
  const batch = new DefaultRecordBatch(build('gzip'), 0);
  const first = await batch.records();
  assert.equal(batch.recordsSync(), first);
});

test('a batch inside a larger buffer is read at its position', () => {
  const bytes = build();
  const padded = Buffer.concat([Buffer.alloc(7, 0xee), bytes, Buffer.alloc(5, 0xee)]);
  const batch = new DefaultRecordBatch(padded, 7);
  assert.equal(batch.sizeInBytes, bytes.length);
  assert.deepEqual(batch.recordsSync().map((r) => r.offset), [500, 501, 502]);
});

test('a CRC mismatch is reported with the topic-partition and offset, unless CRC checks are off', async () => {
  const bytes = build();
  // The last byte is the last record's header count; the one before it ends its value "value-2".
  bytes[bytes.length - 2] = 0x39;
  await assertCorrupt(() => new DefaultRecordBatch(bytes, 0, CONTEXT), /CRC-32C mismatch/);
  const unchecked = new DefaultRecordBatch(bytes, 0, { ...CONTEXT, checkCrcs: false });
  assert.deepEqual(unchecked.recordsSync().map((r) => r.value!.toString()), ['value-0', 'value-1', 'value-9']);
});

test('a record count the batch cannot hold is refused before decoding', async () => {
  const bytes = build();
  bytes.writeInt32BE(1_000_000_000, 57);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT), /record count 1000000000 cannot fit/);
  const negative = build();
  negative.writeInt32BE(-1, 57);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(negative), 0, CONTEXT), /negative record count/);
});

test('a record count that disagrees with the records is corrupt', async () => {
  const more = build();
  more.writeInt32BE(4, 57);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(more), 0, CONTEXT).recordsSync(), /truncated varint|record 3/);
  const fewer = build();
  fewer.writeInt32BE(2, 57);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(fewer), 0, CONTEXT).recordsSync(), /left after the last of 2 records/);
});

test('a bad varint in a record is corrupt', async () => {
  const bytes = build();
  // The first record's length varint: five continuation bytes.
  bytes.fill(0xff, 61, 66);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT).recordsSync(), /varint/);
});

test('a key length past the end of its record is corrupt', async () => {
  const bytes = build();
  // Record layout: length, attributes, timestamp delta, offset delta, key length (at 65).
  assert.equal(bytes[65], 4); // key "k0": length 2, zigzag 4
  bytes[65] = 100;
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT).recordsSync(), /length 50 runs past the end of the record/);
});

test('a record length past the batch is corrupt', async () => {
  const bytes = build();
  bytes[61] = 0x7e; // length 63 for a record of 14 bytes in a batch of ~50
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT).recordsSync(), /record 0 has invalid length 63/);
});

test('an unknown codec id, or a batch length below the header size, is corrupt', async () => {
  const bytes = build();
  bytes.writeInt16BE(5, 21);
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT), /unknown compression type 5/);
  const short = build();
  short.writeInt32BE(20, 8);
  await assertCorrupt(() => new DefaultRecordBatch(short, 0, CONTEXT), /batch length 20 is smaller than a batch header/);
});

test('a base offset beyond the safe-integer range is corrupt', async () => {
  const bytes = build();
  bytes.writeBigInt64BE(2n ** 60n, 0);
  await assert.rejects(async () => new DefaultRecordBatch(bytes, 0, CONTEXT), (error: unknown) => {
    assert.ok(error instanceof KafkaCorruptRecordError);
    assert.match(error.message, /orders-3, byte 0\): batch base offset/);
    return true;
  });
});

test('codec garbage is corrupt, for every codec', async () => {
  const ids: Record<string, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
  for (const [name, id] of Object.entries(ids)) {
    const bytes = build();
    bytes.writeInt16BE(id, 21);
    const batch = new DefaultRecordBatch(fixCrc(bytes), 0, CONTEXT);
    await assertCorrupt(() => batch.records(), new RegExp(`${name}`));
  }
});

test('a decompression bomb is stopped at the limit, for every codec', async () => {
  const zeros = Buffer.alloc(4 * 1024 * 1024);
  for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const builder = new RecordBatchBuilder({ compression, baseOffset: 500 });
    builder.append({ value: zeros, timestamp: 0 });
    const bytes = await builder.close();
    assert.ok(bytes.length < 300_000, `${compression} compresses 4 MiB of zeros to ${bytes.length} bytes`);
    const batch = new DefaultRecordBatch(bytes, 0, { ...CONTEXT, maxDecompressedBytes: 1024 * 1024 });
    await assertCorrupt(() => batch.records(), /limit of 1048576 bytes/);
    const allowed = new DefaultRecordBatch(bytes, 0, { ...CONTEXT, maxDecompressedBytes: 8 * 1024 * 1024 });
    assert.equal((await allowed.records())[0]!.value!.length, zeros.length);
  }
});

test('a gzip bomb of 1 GiB is refused without inflating it', async () => {
  // 1 GiB of zeros deflates to about 1 MiB; the limit stops zlib after the first megabytes.
  const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
  const builder = new RecordBatchBuilder({ baseOffset: 500 });
  builder.append({ value: 'x', timestamp: 0 });
  const header = builder.closeSync().subarray(0, 61);
  const bytes = Buffer.concat([header, bomb]);
  bytes.writeInt32BE(bytes.length - 12, 8);
  bytes.writeInt16BE(1, 21);
  const before = process.memoryUsage().arrayBuffers;
  await assertCorrupt(() => new DefaultRecordBatch(fixCrc(bytes), 0, { ...CONTEXT, maxDecompressedBytes: 4 * 1024 * 1024 }).records(), /limit/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});

test('recordsSync refuses an asynchronous codec; records() awaits it and wraps its failures', async () => {
  const snappy = getBuiltInCodec('snappy');
  const bytes = build('snappy');
  registerCodec('snappy', { compress: (d, o) => snappy.compress(d, o), decompress: async (d, o) => snappy.decompress(d, o) });
  try {
    assert.throws(() => new DefaultRecordBatch(bytes, 0).recordsSync(), KafkaStateError);
    assert.equal((await new DefaultRecordBatch(bytes, 0).records()).length, 3);
    registerCodec('snappy', { compress: (d) => d, decompress: async () => Promise.reject(new Error('boom')) });
    await assertCorrupt(() => new DefaultRecordBatch(bytes, 0, CONTEXT).records(), /snappy codec failed: boom/);
    registerCodec('snappy', { compress: (d) => d, decompress: () => Buffer.alloc(10_000) });
    await assertCorrupt(() => new DefaultRecordBatch(bytes, 0, { ...CONTEXT, maxDecompressedBytes: 100 }).records(), /limit of 100 bytes/);
  } finally {
    restoreBuiltInCodec('snappy');
  }
});
