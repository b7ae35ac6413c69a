import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { lz4FrameDecompress, snappyDecompress, xxhash32 } from '../../../src/compression/index.js';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { TimestampType } from '../../../src/records/constants.js';
import { crc32 } from '../../../src/records/crc.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';
import { LegacyMessageSetBuilder, LegacyRecordBatch } from '../../../src/records/legacy.js';
import { readRecordBatches } from '../../../src/records/record-set.js';

function buildSet(magic: 0 | 1, compression: 'none' | 'gzip' | 'snappy' | 'lz4', baseOffset = 40): Buffer {
  const builder = new LegacyMessageSetBuilder({ magic, compression, baseOffset });
  builder.append({ key: 'a', value: 'first', timestamp: 111 });
  builder.append({ key: null, value: 'second', timestamp: 222 });
  builder.append({ key: 'c', value: null, timestamp: 333 });
  return builder.closeSync();
}

test('magic 0 and 1 message sets round trip with every legacy codec', () => {
  for (const magic of [0, 1] as const) {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      const { batches, partialBytes } = readRecordBatches(buildSet(magic, compression));
      assert.equal(partialBytes, 0);
      assert.equal(batches.length, compression === 'none' ? 3 : 1, `${magic} ${compression}`);
      const records = batches.flatMap((b) => b.recordsSync());
      assert.deepEqual(
        records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers.length]),
        [
          [40, magic === 0 ? -1 : 111, 'a', 'first', 0],
          [41, magic === 0 ? -1 : 222, null, 'second', 0],
          [42, magic === 0 ? -1 : 333, 'c', null, 0],
        ],
        `${magic} ${compression}`,
      );
      for (const batch of batches) {
        assert.equal(batch.magic, magic);
        assert.equal(batch.producerId, -1);
        assert.equal(batch.isTransactional, false);
        assert.equal(batch.isControl, false);
      }
      assert.equal(batches.at(-1)!.lastOffset, 42);
      assert.equal(batches.at(-1)!.nextOffset, 43);
      assert.equal(batches[0]!.baseOffset, 40);
    }
  }
});

test('a plain message has the exact legacy layout, CRC-32 included', () => {
  const builder = new LegacyMessageSetBuilder({ magic: 1, baseOffset: 9 });
  builder.append({ key: 'k', value: 'vv', timestamp: 0x0a0b });
  const bytes = builder.closeSync();
  const expected = Buffer.from([
    ...[0, 0, 0, 0, 0, 0, 0, 9], // offset
    ...[0, 0, 0, 25], // size
    ...[0, 0, 0, 0], // crc (filled below)
    1, // magic
    0, // attributes
    ...[0, 0, 0, 0, 0, 0, 0x0a, 0x0b], // timestamp
    ...[0, 0, 0, 1, 0x6b], // key
    ...[0, 0, 0, 2, 0x76, 0x76], // value
  ]);
  expected.writeUInt32BE(crc32(expected, 16, expected.length), 12);
  assert.deepEqual(bytes, expected);
});

test('magic 1 wrappers hold relative inner offsets; magic 0 wrappers absolute ones', () => {
  for (const magic of [0, 1] as const) {
    const wrapper = buildSet(magic, 'snappy', 1000);
    assert.equal(wrapper.readBigInt64BE(0), 1002n, 'the wrapper carries the last offset');
    const valueStart = (magic === 0 ? 18 : 26) + 4 + 4; // null key
    const inner = snappyDecompress(wrapper.subarray(valueStart), 1 << 20);
    const innerOffsets: bigint[] = [];
    for (let pos = 0; pos < inner.length; pos += 12 + inner.readInt32BE(pos + 8)) innerOffsets.push(inner.readBigInt64BE(pos));
    assert.deepEqual(innerOffsets, magic === 1 ? [0n, 1n, 2n] : [1000n, 1001n, 1002n]);
  }
});

test('a compressed wrapper reads its base offset and record count from the inner set', () => {
  const batch = new LegacyRecordBatch(buildSet(1, 'gzip', 70), 0);
  assert.equal(batch.recordCount, undefined);
  assert.equal(batch.lastOffset, 72);
  assert.equal(batch.baseOffset, 70);
  assert.equal(batch.recordCount, 3);
});

test('a LogAppendTime wrapper gives every inner message its timestamp', () => {
  const builder = new LegacyMessageSetBuilder({ magic: 1, compression: 'gzip', timestampType: TimestampType.LogAppendTime, logAppendTime: 99_999 });
  builder.append({ value: 'a', timestamp: 1 });
  builder.append({ value: 'b', timestamp: 2 });
  const batch = new LegacyRecordBatch(builder.closeSync(), 0);
  assert.equal(batch.timestampType, TimestampType.LogAppendTime);
  assert.deepEqual(batch.recordsSync().map((r) => r.timestamp), [99_999, 99_999]);
});

test('lz4 in magic 0 wrappers carries the old header-checksum quirk; magic 1 the correct checksum', () => {
  for (const magic of [0, 1] as const) {
    const wrapper = buildSet(magic, 'lz4');
    const frame = wrapper.subarray((magic === 0 ? 18 : 26) + 8);
    const correct = (xxhash32(frame, 4, 6) >>> 8) & 0xff;
    const quirk = (xxhash32(frame, 0, 6) >>> 8) & 0xff;
    assert.notEqual(correct, quirk);
    assert.equal(frame[6], magic === 0 ? quirk : correct);
    assert.equal(lz4FrameDecompress(frame, magic, 1 << 20).length > 0, true);
    // The quirk is accepted only for magic 0 data.
    if (magic === 0) assert.throws(() => lz4FrameDecompress(frame, 1, 1 << 20), /header checksum/);
  }
});

test('a CRC-32 mismatch is corrupt, in a plain message and inside a wrapper', () => {
  const plain = buildSet(1, 'none');
  // The first message's value "first" starts after its 26-byte header, key "a" and value length.
  assert.equal(plain.toString('latin1', 35, 40), 'first');
  plain[35] = 0x46;
  assert.throws(() => readRecordBatches(plain, { topic: 't', partition: 0 }), (error: unknown) => {
    assert.ok(error instanceof KafkaCorruptRecordError);
    assert.match(error.message, /t-0, offset 40, byte 0\): CRC-32 mismatch/);
    return true;
  });
  const unchecked = readRecordBatches(plain, { checkCrcs: false }).batches;
  assert.equal(unchecked[0]!.recordsSync()[0]!.value!.toString(), 'First');

  const inner = buildSet(1, 'none');
  inner[35] = 0x46;
  const wrapper = legacyMessage(1, 1, null, zlib.gzipSync(inner), 42);
  assert.throws(() => new LegacyRecordBatch(wrapper, 0, { topic: 't', partition: 0 }).recordsSync(), /t-0, offset 42\): inner message set: CRC-32 mismatch/);
});

test('nested compression and empty wrappers are corrupt', () => {
  const nested = legacyMessage(1, 1, null, zlib.gzipSync(buildSet(1, 'gzip')), 5);
  assert.throws(() => new LegacyRecordBatch(nested, 0).recordsSync(), /nested inside a compressed message/);
  const empty = legacyMessage(1, 1, null, zlib.gzipSync(Buffer.alloc(0)), 5);
  assert.throws(() => new LegacyRecordBatch(empty, 0).recordsSync(), /holds no messages/);
  const noValue = legacyMessage(1, 1, null, null, 5);
  assert.throws(() => new LegacyRecordBatch(noValue, 0), /compressed wrapper message without a value/);
});

test('legacy builders refuse headers, zstd and decreasing offsets', () => {
  assert.throws(() => new LegacyMessageSetBuilder({ magic: 1 }).append({ value: 'a', headers: [{ key: 'h', value: null }] }), KafkaInvalidArgumentError);
  assert.throws(() => new LegacyMessageSetBuilder({ magic: 1, compression: 'zstd' }), KafkaInvalidArgumentError);
  assert.throws(() => new LegacyMessageSetBuilder({ magic: 2 as 1 }), KafkaInvalidArgumentError);
  const builder = new LegacyMessageSetBuilder({ magic: 0, baseOffset: 5 });
  builder.append({ value: 'a' });
  assert.throws(() => builder.append({ value: 'b', offset: 5 }), KafkaInvalidArgumentError);
});

/** A hand-built legacy message, for shapes the builder never makes. */
function legacyMessage(magic: 0 | 1, attributes: number, key: Buffer | null, value: Buffer | null, offset: number): Buffer {
  const header = magic === 0 ? 18 : 26;
  const size = header + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0);
  const out = Buffer.alloc(size);
  out.writeBigInt64BE(BigInt(offset), 0);
  out.writeInt32BE(size - 12, 8);
  out[16] = magic;
  out[17] = attributes;
  let pos = header;
  for (const part of [key, value]) {
    out.writeInt32BE(part === null ? -1 : part.length, pos);
    pos += 4;
    if (part) {
      part.copy(out, pos);
      pos += part.length;
    }
  }
  out.writeUInt32BE(crc32(out, 16, out.length), 12);
  return out;
}
