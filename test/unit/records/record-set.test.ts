import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';
import { LegacyMessageSetBuilder, LegacyRecordBatch } from '../../../src/records/legacy.js';
import { decodeRecords, decodeRecordsSync, readRecordBatches } from '../../../src/records/record-set.js';

function batch(baseOffset: number, values: string[], compression: 'none' | 'lz4' = 'none'): Buffer {
  const builder = new RecordBatchBuilder({ baseOffset, compression });
  for (const value of values) builder.append({ value, timestamp: 5000 });
  return builder.closeSync();
}

function legacy(magic: 0 | 1, baseOffset: number, values: string[], compression: 'none' | 'gzip' = 'none'): Buffer {
  const builder = new LegacyMessageSetBuilder({ magic, baseOffset, compression });
  for (const value of values) builder.append({ value, timestamp: 4000 });
  return builder.closeSync();
}

test('a records field mixing magic 0, 1 and 2 decodes in order', async () => {
  const records = Buffer.concat([
    legacy(0, 0, ['a', 'b']),
    legacy(0, 2, ['c', 'd'], 'gzip'),
    legacy(1, 4, ['e'], 'none'),
    legacy(1, 5, ['f', 'g'], 'gzip'),
    batch(7, ['h', 'i']),
    batch(9, ['j'], 'lz4'),
  ]);
  const { batches, partialBytes } = readRecordBatches(records);
  assert.equal(partialBytes, 0);
  assert.deepEqual(batches.map((b) => b.magic), [0, 0, 0, 1, 1, 2, 2]);
  assert.ok(batches[0] instanceof LegacyRecordBatch);
  assert.ok(batches[5] instanceof DefaultRecordBatch);
  const decoded = await decodeRecords(records);
  assert.deepEqual(decoded.map((r) => `${r.offset}:${r.value}:${r.timestamp}`), [
    '0:a:-1', '1:b:-1', '2:c:-1', '3:d:-1', '4:e:4000', '5:f:4000', '6:g:4000', '7:h:5000', '8:i:5000', '9:j:5000',
  ]);
  assert.deepEqual(decodeRecordsSync(records), decoded);
});

test('a partial batch at the end is ignored and its size reported, at every cut point', () => {
  const complete = Buffer.concat([batch(0, ['a', 'b']), legacy(1, 2, ['c'])]);
  const last = batch(3, ['d', 'e', 'f']);
  for (let cut = 0; cut < last.length; cut++) {
    const { batches, partialBytes } = readRecordBatches(Buffer.concat([complete, last.subarray(0, cut)]));
    assert.equal(batches.length, 2, `cut at ${cut}`);
    assert.equal(partialBytes, cut);
  }
  const legacyLast = legacy(0, 3, ['d']);
  for (let cut = 1; cut < legacyLast.length; cut++) {
    const { batches, partialBytes } = readRecordBatches(Buffer.concat([complete, legacyLast.subarray(0, cut)]));
    assert.equal(batches.length, 2);
    assert.equal(partialBytes, cut);
  }
});

test('a fetch holding only part of one large batch yields no batch and the partial size', () => {
  const big = batch(0, ['x'.repeat(10_000)]);
  const { batches, partialBytes } = readRecordBatches(big.subarray(0, 4096));
  assert.equal(batches.length, 0);
  assert.equal(partialBytes, 4096);
});

test('null and empty records fields hold no batches', () => {
  assert.deepEqual(readRecordBatches(null), { batches: [], partialBytes: 0 });
  assert.deepEqual(readRecordBatches(Buffer.alloc(0)), { batches: [], partialBytes: 0 });
});

test('an unknown magic byte or an impossible size is corrupt, naming the position', () => {
  const good = batch(0, ['a']);
  const bad = batch(1, ['b']);
  bad[16] = 3;
  assert.throws(() => readRecordBatches(Buffer.concat([good, bad]), { topic: 'x', partition: 1 }), (error: unknown) => {
    assert.ok(error instanceof KafkaCorruptRecordError);
    assert.equal(error.offset, 1);
    assert.equal(error.message, `corrupt record data (x-1, offset 1, byte ${good.length}): unknown magic byte 3`);
    return true;
  });
  const tiny = batch(0, ['a']);
  tiny.writeInt32BE(2, 8);
  assert.throws(() => readRecordBatches(tiny), /batch size 2 is too small/);
  const negative = batch(0, ['a']);
  negative.writeInt32BE(-5, 8);
  assert.throws(() => readRecordBatches(negative), /batch size -5 is too small/);
});

test('random damage never escapes as anything but a KafkaDecodeError, for every codec and format', async () => {
  const { KafkaDecodeError } = await import('../../../src/protocol/errors.js');
  const sources: Buffer[] = [];
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const builder = new RecordBatchBuilder({ compression, baseOffset: 10 });
    for (let i = 0; i < 30; i++) builder.append({ key: `k${i}`, value: `some value ${i} `.repeat(i % 7 + 1), timestamp: i, headers: [{ key: 'h', value: `${i}` }] });
    sources.push(await builder.close());
  }
  for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) sources.push(legacy(1, 0, ['a', 'bb', 'ccc'], compression === 'none' ? 'none' : 'gzip'));
  let state = 12345;
  const next = (bound: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % bound;
  };
  let failures = 0;
  for (const source of sources) {
    for (let trial = 0; trial < 300; trial++) {
      const damaged = Buffer.from(source);
      const changes = 1 + next(4);
      // Leave the batch length alone half the time so that damage reaches the records.
      for (let c = 0; c < changes; c++) damaged[(trial % 2 ? 12 : 0) + next(damaged.length - 12)] = next(256);
      try {
        for (const batch of readRecordBatches(damaged, { checkCrcs: false, maxDecompressedBytes: 1 << 20 }).batches) await batch.records();
      } catch (error) {
        failures++;
        assert.ok(error instanceof KafkaDecodeError, `unexpected ${String(error)}\n${(error as Error).stack}`);
      }
    }
  }
  assert.ok(failures > 500, `${failures} damaged inputs were rejected`);
});
