import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { DefaultRecordBatch } from '../../../src/records/batch.js';
import {
  ControlRecordType,
  buildEndTransactionMarkerBatch,
  controlBatchType,
  parseControlRecordKey,
  parseEndTransactionMarker,
} from '../../../src/records/control.js';
import { KafkaCorruptRecordError } from '../../../src/records/errors.js';

test('an end-transaction marker batch has the control layout and parses back', () => {
  for (const type of ['commit', 'abort'] as const) {
    const bytes = buildEndTransactionMarkerBatch({ type, producerId: 77, producerEpoch: 4, coordinatorEpoch: 12, offset: 300, timestamp: 9999, partitionLeaderEpoch: 2 });
    const batch = new DefaultRecordBatch(bytes, 0);
    assert.equal(batch.isControl, true);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.producerId, 77);
    assert.equal(batch.producerEpoch, 4);
    assert.equal(batch.baseOffset, 300);
    assert.equal(batch.partitionLeaderEpoch, 2);
    assert.equal(batch.recordCount, 1);
    const [record] = batch.recordsSync();
    assert.deepEqual([...record!.key!], [0, 0, 0, type === 'commit' ? 1 : 0]);
    assert.deepEqual([...record!.value!], [0, 0, 0, 0, 0, 12]);
    assert.equal(record!.timestamp, 9999);
    assert.deepEqual(parseControlRecordKey(record!), { version: 0, type: type === 'commit' ? 1 : 0 });
    assert.deepEqual(parseEndTransactionMarker(record!), { type: type === 'commit' ? ControlRecordType.Commit : ControlRecordType.Abort, version: 0, coordinatorEpoch: 12 });
    assert.equal(controlBatchType(batch), type === 'commit' ? 1 : 0);
  }
});

test('malformed control records give typed errors', () => {
  const base = { offset: 5, timestamp: 0, headers: [] };
  assert.throws(() => parseControlRecordKey({ ...base, key: Buffer.from([0, 0]), value: null }), KafkaCorruptRecordError);
  assert.throws(() => parseControlRecordKey({ ...base, key: null, value: null }), KafkaCorruptRecordError);
  assert.throws(() => parseEndTransactionMarker({ ...base, key: Buffer.from([0, 0, 0, 2]), value: Buffer.alloc(6) }), /type 2 is not an end-transaction marker/);
  assert.throws(() => parseEndTransactionMarker({ ...base, key: Buffer.from([0, 0, 0, 1]), value: Buffer.alloc(3) }), /too short/);
  assert.throws(() => buildEndTransactionMarkerBatch({ type: 'rollback' as 'abort', producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 }), KafkaInvalidArgumentError);
  assert.throws(() => buildEndTransactionMarkerBatch({ type: 'commit', producerId: 1, producerEpoch: 0, coordinatorEpoch: 2 ** 31 }), KafkaInvalidArgumentError);
});
