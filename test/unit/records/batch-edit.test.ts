import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { setBatchBaseOffset, setBatchLogAppendTime, setBatchPartitionLeaderEpoch } from '../../../src/records/batch-edit.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import { TimestampType } from '../../../src/records/constants.js';

test('a broker can assign offsets, the leader epoch and LogAppendTime in place, keeping the CRC valid', () => {
  const builder = new RecordBatchBuilder({ compression: 'gzip' });
  builder.append({ value: 'a', timestamp: 10 });
  builder.append({ value: 'b', timestamp: 20 });
  const bytes = Buffer.from(builder.closeSync());
  const crcBefore = bytes.readUInt32BE(17);
  setBatchBaseOffset(bytes, 123_456_789);
  setBatchPartitionLeaderEpoch(bytes, 17);
  assert.equal(bytes.readUInt32BE(17), crcBefore, 'offset and epoch lie outside the CRC');
  setBatchLogAppendTime(bytes, 1_800_000_000_000);
  const batch = new DefaultRecordBatch(bytes, 0);
  assert.equal(batch.baseOffset, 123_456_789);
  assert.equal(batch.partitionLeaderEpoch, 17);
  assert.equal(batch.timestampType, TimestampType.LogAppendTime);
  assert.deepEqual(batch.recordsSync().map((r) => [r.offset, r.timestamp]), [
    [123_456_789, 1_800_000_000_000],
    [123_456_790, 1_800_000_000_000],
  ]);
});

test('edits refuse buffers that are not record batches and bad values', () => {
  assert.throws(() => setBatchBaseOffset(Buffer.alloc(10), 1), KafkaInvalidArgumentError);
  const builder = new RecordBatchBuilder();
  builder.append({ value: 'a', timestamp: 0 });
  const bytes = builder.closeSync();
  assert.throws(() => setBatchBaseOffset(bytes, -1), KafkaInvalidArgumentError);
  assert.throws(() => setBatchLogAppendTime(bytes, 0.5), KafkaInvalidArgumentError);
});
