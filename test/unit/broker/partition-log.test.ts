import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionLog, type StoredBatch } from '../../../src/broker/partition-log.js';

function batch(baseOffset: number, count: number, size: number, epoch = 0, maxTimestamp = -1): StoredBatch {
  const bytes = Buffer.alloc(size, baseOffset % 256);
  return { baseOffset, lastOffset: baseOffset + count - 1, bytes, maxTimestamp, leaderEpoch: epoch };
}

describe('PartitionLog', () => {
  it('tracks offsets and reads whole batches from the one holding an offset', () => {
    const log = new PartitionLog(() => 1_000_000);
    log.append(batch(0, 3, 100));
    log.append(batch(3, 2, 50));
    log.append(batch(5, 5, 70));
    assert.deepEqual([log.logStartOffset, log.logEndOffset, log.highWatermark, log.sizeInBytes, log.batchCount], [0, 10, 10, 220, 3]);
    assert.deepEqual(log.read(4, 1000, true).batches.map((b) => b.baseOffset), [3, 5]);
    assert.deepEqual(log.read(10, 1000, true).batches, []);
    assert.equal(log.read(10, 1000, true).records.length, 0);
    assert.throws(() => log.append(batch(11, 1, 10)), /does not start at the log end offset 10/);
  });

  it('cuts the last batch at the byte limit, and returns a first batch whole only when asked', () => {
    const log = new PartitionLog(() => 1_000_000);
    log.append(batch(0, 1, 100));
    log.append(batch(1, 1, 100));
    const cut = log.read(0, 150, true);
    assert.deepEqual([cut.records.length, cut.batches.length], [150, 1]);
    assert.deepEqual(cut.records.subarray(100), Buffer.alloc(50, 1));
    assert.deepEqual([log.read(0, 40, true).records.length, log.read(0, 40, true).batches.length], [100, 1]);
    assert.deepEqual([log.read(0, 40, false).records.length, log.read(0, 40, false).batches.length], [40, 0]);
    assert.equal(log.read(0, 0, false).records.length, 0);
  });

  it('drops the oldest batches past the retention limit, keeping the newest, and moves the log start', () => {
    let limit = 250;
    const log = new PartitionLog(() => limit);
    for (let index = 0; index < 5; index++) log.append(batch(index * 2, 2, 100));
    assert.deepEqual([log.logStartOffset, log.logEndOffset, log.sizeInBytes, log.batchCount], [6, 10, 200, 2]);
    limit = 10;
    log.append(batch(10, 1, 500));
    assert.deepEqual([log.logStartOffset, log.logEndOffset, log.sizeInBytes, log.batchCount], [10, 11, 500, 1]);
  });

  it('stays bounded over many appends (dropped batches are released in bulk)', () => {
    const log = new PartitionLog(() => 10_000);
    for (let index = 0; index < 5000; index++) log.append(batch(index, 1, 100));
    assert.deepEqual([log.logStartOffset, log.logEndOffset, log.sizeInBytes, log.batchCount], [4900, 5000, 10_000, 100]);
    assert.deepEqual(log.read(4950, 250, true).batches.map((b) => b.baseOffset), [4950, 4951]);
    assert.equal(log.liveBatches().length, 100);
  });

  it('moves the log start on deleteBefore, down to the end offset at most', () => {
    const log = new PartitionLog(() => 1_000_000);
    log.append(batch(0, 5, 100));
    log.append(batch(5, 5, 100));
    log.deleteBefore(3);
    assert.deepEqual([log.logStartOffset, log.batchCount], [3, 2]);
    log.deleteBefore(7);
    assert.deepEqual([log.logStartOffset, log.batchCount], [7, 1]);
    log.deleteBefore(50);
    assert.deepEqual([log.logStartOffset, log.batchCount, log.logEndOffset], [10, 0, 10]);
  });

  it('keeps the leader epoch history and answers end offsets per epoch', () => {
    const log = new PartitionLog(() => 1_000_000);
    log.assignEpoch(0, 0);
    log.append(batch(0, 3, 10, 0));
    log.assignEpoch(1, 3);
    log.assignEpoch(3, 3);
    log.append(batch(3, 4, 10, 3));
    log.assignEpoch(5, 7);
    assert.deepEqual(log.epochHistory(), [
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 3 },
      { epoch: 5, startOffset: 7 },
    ]);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 9].map((epoch) => log.endOffsetForEpoch(epoch)),
      [
        { epoch: 0, endOffset: 3 },
        { epoch: 0, endOffset: 3 },
        { epoch: 0, endOffset: 3 },
        { epoch: 3, endOffset: 7 },
        { epoch: 3, endOffset: 7 },
        { epoch: 5, endOffset: 7 },
        { epoch: 5, endOffset: 7 },
      ],
    );
    log.deleteBefore(5);
    log.append(batch(7, 1, 10, 5));
    assert.deepEqual(log.endOffsetForEpoch(0), { epoch: -1, endOffset: -1 });
    assert.deepEqual(new PartitionLog(() => 1).endOffsetForEpoch(0), { epoch: -1, endOffset: -1 });
  });
});
