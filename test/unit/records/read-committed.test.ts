import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { buildEndTransactionMarkerBatch } from '../../../src/records/control.js';
import { ReadCommittedFilter } from '../../../src/records/read-committed.js';
import { readRecordBatches } from '../../../src/records/record-set.js';

function data(producerId: number, offset: number, values: string[], transactional = true): Buffer {
  const builder = new RecordBatchBuilder({ baseOffset: offset, producerId, producerEpoch: 0, baseSequence: 0, isTransactional: transactional });
  for (const value of values) builder.append({ value, timestamp: 0 });
  return builder.closeSync();
}

function marker(producerId: number, offset: number, type: 'commit' | 'abort'): Buffer {
  return buildEndTransactionMarkerBatch({ type, producerId, producerEpoch: 0, coordinatorEpoch: 1, offset, timestamp: 0 });
}

async function consume(records: Buffer, aborted: { producerId: bigint; firstOffset: bigint }[] | null): Promise<string[]> {
  const filter = new ReadCommittedFilter(aborted);
  const values: string[] = [];
  for (const batch of readRecordBatches(records).batches) {
    if (filter.skip(batch)) continue;
    for (const record of await batch.records()) values.push(`${record.offset}:${record.value}`);
  }
  return values;
}

test('aborted transactions are dropped, committed and non-transactional data kept, markers never delivered', async () => {
  const records = Buffer.concat([
    data(1, 0, ['p1-a', 'p1-b']), // producer 1, aborted below
    data(2, 2, ['p2-a']), // producer 2, committed
    data(9, 3, ['plain'], false), // idempotent, not transactional
    data(1, 4, ['p1-c']),
    marker(1, 5, 'abort'),
    marker(2, 6, 'commit'),
    data(1, 7, ['p1-d']), // producer 1's next transaction: committed
    marker(1, 8, 'commit'),
  ]);
  const aborted = [{ producerId: 1n, firstOffset: 0n }];
  assert.deepEqual(await consume(records, aborted), ['2:p2-a', '3:plain', '7:p1-d']);
  // read_uncommitted sees everything but the markers: no aborted list, so nothing is dropped.
  assert.deepEqual(await consume(records, null), ['0:p1-a', '1:p1-b', '2:p2-a', '3:plain', '4:p1-c', '7:p1-d']);
});

test('an aborted transaction takes effect only from its first offset', async () => {
  const records = Buffer.concat([
    data(1, 0, ['t1']),
    marker(1, 1, 'commit'),
    data(1, 2, ['t2-a']),
    data(1, 3, ['t2-b']),
    marker(1, 4, 'abort'),
    data(1, 5, ['t3']),
  ]);
  // The fetch's aborted list is unordered: the filter sorts it.
  const aborted = [{ producerId: 1n, firstOffset: 2n }];
  assert.deepEqual(await consume(records, aborted), ['0:t1', '5:t3']);
});

test('two producers with interleaved aborted transactions', async () => {
  const records = Buffer.concat([
    data(1, 0, ['p1-x']),
    data(2, 1, ['p2-x']),
    data(1, 2, ['p1-y']),
    marker(2, 3, 'abort'),
    data(2, 4, ['p2-y']),
    marker(1, 5, 'abort'),
    marker(2, 6, 'commit'),
  ]);
  const aborted = [
    { producerId: 2n, firstOffset: 1n },
    { producerId: 1n, firstOffset: 0n },
  ];
  assert.deepEqual(await consume(records, aborted), ['4:p2-y']);
});
