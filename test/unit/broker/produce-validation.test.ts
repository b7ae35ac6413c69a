import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateProduceRecords, type ValidationContext } from '../../../src/broker/produce-validation.js';
import { DefaultRecordBatch, LegacyMessageSetBuilder, crc32, setLegacyMessageOffset } from '../../../src/records/index.js';
import { batchOf, values } from './fixtures.js';

const config = { retentionBytes: 1e9, maxMessageBytes: 10_000, logAppendTime: false, compacted: false, timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER, timestampAfterMaxMs: 3_600_000 };

function context(apiVersion: number, overrides: Partial<typeof config> = {}): ValidationContext {
  return { apiVersion, config: { ...config, ...overrides }, now: 1_700_000_000_000, topic: 't', partition: 0 };
}

describe('validateProduceRecords', () => {
  it('accepts a batch as a private copy, with its producer fields', async () => {
    const batch = await batchOf(values('v', 3, 1_700_000_000_000), { producerId: 4, producerEpoch: 1, baseSequence: 10 });
    const result = await validateProduceRecords(batch, context(9));
    assert.ok(result.ok);
    const accepted = result.batches[0]!;
    assert.deepEqual(
      [accepted.lastOffsetDelta, accepted.maxTimestamp, accepted.producerId, accepted.producerEpoch, accepted.baseSequence, accepted.isTransactional],
      [2, 1_700_000_000_000, 4, 1, 10, false],
    );
    assert.deepEqual(accepted.bytes, batch);
    // A copy: the request frame it came in may be reused.
    batch.fill(0);
    assert.equal(accepted.bytes[16], 2);
  });

  it('ignores a cut-off tail, as Kafka trims it', async () => {
    const batch = await batchOf(values('v', 1, 1_700_000_000_000));
    const result = await validateProduceRecords(Buffer.concat([batch, batch.subarray(0, 20)]), context(9));
    assert.ok(result.ok);
    assert.equal(result.batches.length, 1);
  });

  it('refuses a truncated or garbled records section inside a valid CRC as CORRUPT_MESSAGE', async () => {
    const batch = await batchOf(values('v', 2, 1_700_000_000_000));
    // Claim three records while holding two, with a CRC that matches.
    const garbled = Buffer.from(batch);
    garbled.writeInt32BE(2, 23);
    garbled.writeInt32BE(3, 57);
    const { crc32c } = await import('../../../src/records/index.js');
    garbled.writeUInt32BE(crc32c(garbled, 21, garbled.length), 17);
    const result = await validateProduceRecords(garbled, context(9));
    assert.deepEqual(result.ok ? 'accepted' : result.errorCode, 2);
  });

  it('checks magic 0 and 1 CRCs (CRC-32) and converts them, v0-v2 only', async () => {
    const set = new LegacyMessageSetBuilder({ magic: 0 });
    set.append({ key: 'a', value: '1' });
    const bytes = set.closeSync();
    const converted = await validateProduceRecords(bytes, context(2));
    assert.ok(converted.ok);
    assert.deepEqual([converted.batches.length, converted.batches[0]!.lastOffsetDelta, converted.batches[0]!.bytes[16]], [1, 0, 2]);
    const corrupt = Buffer.from(bytes);
    corrupt.writeUInt32BE((crc32(corrupt, 16, corrupt.length) + 1) >>> 0, 12);
    const refused = await validateProduceRecords(corrupt, context(2));
    assert.deepEqual(refused.ok ? 'accepted' : refused.errorCode, 2);
    const mixed = await validateProduceRecords(Buffer.concat([bytes, await batchOf(values('v', 1, 1_700_000_000_000))]), context(2));
    assert.deepEqual(mixed.ok ? 'accepted' : mixed.errorCode, 87);
  });

  it('converts a compressed magic 1 wrapper whose offset the producer left at 0', async () => {
    const set = new LegacyMessageSetBuilder({ magic: 1, compression: 'gzip' });
    for (let index = 0; index < 5; index++) set.append({ value: `m${index}`, timestamp: 1_700_000_000_000 + index });
    const wrapper = Buffer.from(set.closeSync());
    setLegacyMessageOffset(wrapper, 0);
    const converted = await validateProduceRecords(wrapper, context(2));
    assert.ok(converted.ok);
    const batch = new DefaultRecordBatch(converted.batches[0]!.bytes, 0);
    assert.deepEqual(
      batch.recordsSync().map((record) => [record.offset, record.value?.toString(), record.timestamp]),
      [0, 1, 2, 3, 4].map((index) => [index, `m${index}`, 1_700_000_000_000 + index]),
    );
    assert.equal(batch.compression, 1);
  });

  it('checks timestamps only for CreateTime topics', async () => {
    const future = await batchOf([{ value: 'x', timestamp: 1_700_000_000_000 + 7_200_000 }]);
    const createTime = await validateProduceRecords(future, context(9));
    assert.deepEqual(createTime.ok ? 'accepted' : [createTime.errorCode, createTime.recordErrors.map((error) => error.batchIndex)], [32, [0]]);
    const logAppendTime = await validateProduceRecords(future, context(9, { logAppendTime: true }));
    assert.equal(logAppendTime.ok, true);
  });
});
