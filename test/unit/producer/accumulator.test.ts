/**
 * The accumulator: batches per partition up to batchSize, exact buffer-memory accounting (never
 * above bufferMemory, growth of compressed batches reserved, everything released when done), the
 * ready/created notifications, and record-order requeueing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordAccumulator, type AccumulatorSettings } from '../../../src/producer/accumulator.js';
import { recordSizeUpperBound } from '../../../src/producer/serializers.js';
import { CompressionType } from '../../../src/compression/types.js';

function setup(overrides: Partial<AccumulatorSettings> = {}): { accumulator: RecordAccumulator; ready: number[]; created: number[] } {
  const ready: number[] = [];
  const created: number[] = [];
  const settings: AccumulatorSettings = {
    batchSize: 1024,
    bufferMemory: 8192,
    lingerMs: 5,
    compression: CompressionType.None,
    compressionLevel: undefined,
    idempotent: false,
    onBatchReady: () => void ready.push(1),
    onBatchCreated: (at) => void created.push(at),
    ...overrides,
  };
  return { accumulator: new RecordAccumulator(settings), ready, created };
}

function append(accumulator: RecordAccumulator, partition: number, value: Buffer, allowNewBatch = true) {
  const topic = accumulator.topic('t');
  const queue = accumulator.queue(topic, partition);
  return accumulator.append(queue, null, -1, value, value.length, undefined, 1_700_000_000_000, recordSizeUpperBound(-1, value.length, undefined), null, allowNewBatch);
}

describe('RecordAccumulator', () => {
  it('fills a batch up to batchSize, then starts the next and says the first is ready', () => {
    const { accumulator, ready, created } = setup();
    const value = Buffer.alloc(100);
    let appended = 0;
    while (accumulator.queue(accumulator.topic('t'), 0).batches.length < 2) {
      assert.notEqual(append(accumulator, 0, value), null);
      appended++;
    }
    const [first, second] = accumulator.queue(accumulator.topic('t'), 0).batches;
    // 100-byte values take 108 bytes as records: nine fit in 1024 with the 61-byte header.
    assert.equal(first!.recordCount, 8);
    assert.equal(second!.recordCount, 1);
    assert.equal(appended, 9);
    assert.ok(first!.sealed);
    assert.ok(first!.estimatedSize() <= 1024);
    assert.equal(created.length, 1, 'linger is armed for the first batch');
    assert.equal(ready.length, 2, 'sealing the first and queueing a second both announce readiness');
    assert.equal(accumulator.usedMemory, 2048);
    assert.equal(accumulator.incompleteBatches, 2);
  });

  it('never reserves beyond bufferMemory: a new batch that does not fit returns null and changes nothing', () => {
    const { accumulator } = setup({ bufferMemory: 3000 });
    const value = Buffer.alloc(900);
    assert.notEqual(append(accumulator, 0, value), null);
    assert.notEqual(append(accumulator, 1, value), null);
    assert.equal(accumulator.usedMemory, 2048);
    assert.equal(append(accumulator, 2, value), null);
    assert.equal(accumulator.usedMemory, 2048);
    assert.equal(accumulator.queue(accumulator.topic('t'), 2).batches.length, 0);
  });

  it('while earlier sends wait for memory, appends only to open batches', () => {
    const { accumulator } = setup();
    assert.notEqual(append(accumulator, 0, Buffer.alloc(100)), null);
    assert.notEqual(append(accumulator, 0, Buffer.alloc(100), false), null, 'batch 0 has room');
    assert.equal(append(accumulator, 1, Buffer.alloc(100), false), null, 'a new batch is refused though memory is free');
    assert.equal(accumulator.usedMemory, 1024);
  });

  it('gives a record larger than batchSize a batch of its own size', () => {
    const { accumulator } = setup({ bufferMemory: 10_000 });
    assert.notEqual(append(accumulator, 0, Buffer.alloc(3000)), null);
    const [batch] = accumulator.queue(accumulator.topic('t'), 0).batches;
    assert.equal(batch!.recordCount, 1);
    assert.ok(batch!.reservedBytes >= 3061 && batch!.reservedBytes < 3100);
    assert.equal(accumulator.usedMemory, batch!.reservedBytes);
  });

  it('reserves the growth of a compressed batch, or seals it when the memory is not there', () => {
    const { accumulator } = setup({ compression: CompressionType.Gzip, bufferMemory: 2048 });
    accumulator.topic('t').compressionRatio = 0.1;
    const value = Buffer.alloc(200, 7);
    let count = 0;
    while (append(accumulator, 0, value) !== null) count++;
    const [batch] = accumulator.queue(accumulator.topic('t'), 0).batches;
    // Estimated at a tenth of its size, the batch takes more than 1024 bytes of records: it grew
    // to 2048 bytes (the whole buffer) and was sealed when it needed more.
    assert.ok(batch!.writtenBytes > 1024, `${batch!.writtenBytes} bytes written`);
    assert.equal(batch!.reservedBytes, 2048);
    assert.equal(accumulator.usedMemory, 2048);
    assert.ok(batch!.sealed);
    assert.equal(count, batch!.recordCount);
  });

  it('releases everything when batches are done', () => {
    const { accumulator } = setup();
    for (let partition = 0; partition < 3; partition++) append(accumulator, partition, Buffer.alloc(50));
    for (const queue of [...accumulator.nonEmpty]) {
      const batch = accumulator.takeFirst(queue);
      batch.close();
      batch.complete(0, -1);
      accumulator.deallocate(batch);
    }
    assert.equal(accumulator.usedMemory, 0);
    assert.equal(accumulator.incompleteBatches, 0);
    assert.equal(accumulator.nonEmpty.size, 0);
    assert.equal(accumulator.availableMemory, 8192);
  });

  it('puts retried batches back in record order', () => {
    const { accumulator } = setup({ batchSize: 200 });
    const queue = accumulator.queue(accumulator.topic('t'), 0);
    for (let i = 0; i < 6; i++) append(accumulator, 0, Buffer.alloc(120));
    const first = accumulator.takeFirst(queue);
    const second = accumulator.takeFirst(queue);
    accumulator.requeue(queue, second);
    accumulator.requeue(queue, first);
    assert.deepEqual(queue.batches.map((batch) => batch.firstRecord), [0, 1, 2, 3, 4, 5]);
  });
});
