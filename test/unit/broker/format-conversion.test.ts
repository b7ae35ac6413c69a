import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downConvert } from '../../../src/broker/format-conversion.js';
import { readRecordBatches, setBatchBaseOffset, setBatchLogAppendTime } from '../../../src/records/index.js';
import { batchOf } from './fixtures.js';

describe('downConvert', () => {
  it('rewrites batches as magic 0 or 1 message sets, keeping offsets, timestamps and compression, dropping headers', async () => {
    const first = await batchOf(
      [
        { key: 'k', value: 'a', timestamp: 1000, headers: [{ key: 'h', value: 'dropped' }] },
        { value: 'b', timestamp: 2000 },
      ],
      { compression: 'gzip' },
    );
    setBatchBaseOffset(first, 40);
    const second = await batchOf([{ value: 'c', timestamp: 3000 }]);
    setBatchBaseOffset(second, 42);
    setBatchLogAppendTime(second, 9000);
    const stored = [first, second].map((bytes) => ({ baseOffset: bytes.readInt32BE(4), lastOffset: 0, bytes, maxTimestamp: 0, leaderEpoch: 0 }));
    for (const magic of [0, 1] as const) {
      const converted = readRecordBatches(await downConvert(stored, magic)).batches;
      assert.deepEqual(
        converted.map((batch) => [batch.magic, batch.compression]),
        [
          [magic, 1],
          [magic, 0],
        ],
      );
      const records = converted.flatMap((batch) => batch.recordsSync());
      assert.deepEqual(
        records.map((record) => [record.offset, record.key?.toString() ?? null, record.value?.toString(), record.timestamp, record.headers.length]),
        [
          [40, 'k', 'a', magic === 0 ? -1 : 1000, 0],
          [41, null, 'b', magic === 0 ? -1 : 2000, 0],
          [42, null, 'c', magic === 0 ? -1 : 9000, 0],
        ],
      );
    }
  });
});
