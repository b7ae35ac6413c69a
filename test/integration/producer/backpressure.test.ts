/**
 * Backpressure, on every cluster kind available: with the partition's leader down, or up but
 * answering seconds late (stalled), records pile up
 * until `bufferMemory` is full; the producer's own accounting and the process's memory stay within
 * `bufferMemory` plus a small constant; the next send fails after `maxBlockMs` with
 * KafkaBufferExhaustedError; once the broker is back, every buffered record is delivered (the
 * exact count, in order, read back with kcat).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer } from '../../../src/producer/index.js';
import { KafkaBufferExhaustedError } from '../../../src/protocol/errors.js';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatConsume } from '../../support/peers.js';
import { collectGarbage } from '../../support/gc.js';

const TOPIC = 'backpressure';
const BUFFER_MEMORY = 4 * 1024 * 1024;
const BATCH_SIZE = 16 * 1024;
const MAX_BLOCK_MS = 500;
const VALUE_SIZE = 1000;
/** How late a stalled leader answers: longer than the test needs to fill the buffer and wait maxBlockMs. */
const STALL_MS = 4000;

const MAX_RECORDS = 20_000;
/**
 * Every record's value, as views of one buffer allocated up front: the values the test makes must
 * not count in the process memory measured while the producer buffers them.
 */
const VALUES = Buffer.alloc(VALUE_SIZE * MAX_RECORDS);
for (let index = 0; index < MAX_RECORDS; index++) {
  VALUES.fill(index % 251, index * VALUE_SIZE, (index + 1) * VALUE_SIZE);
  VALUES.write(`record-${String(index).padStart(8, '0')}`, index * VALUE_SIZE);
}

function valueOf(index: number): Buffer {
  return VALUES.subarray(index * VALUE_SIZE, (index + 1) * VALUE_SIZE);
}

for (const kind of availableTestClusters()) {
  describe(`KafkaProducer backpressure (${kind})`, { timeout: 300_000 }, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
      await cluster.createTopic(TOPIC, 1, 3);
      await cluster.setLeader(TOPIC, 0, 2);
    });
    after(async () => {
      await cluster?.stop();
    });

    for (const fault of ['down', 'stalled'] as const) it(`holds at most bufferMemory while the leader is ${fault}, fails the next send after maxBlockMs, then delivers everything`, async (t) => {
      const producer = new KafkaProducer({
        bootstrapServers: cluster.bootstrapServers,
        bufferMemory: BUFFER_MEMORY,
        batchSize: BATCH_SIZE,
        maxBlockMs: MAX_BLOCK_MS,
        lingerMs: 0,
        reconnectBackoffMs: 20,
        reconnectBackoffMaxMs: 200,
        retryBackoffMs: 20,
        retryBackoffMaxMs: 200,
        logLevel: 'silent',
      });
      let first = -1;
      try {
        // Connected, metadata known, producer id assigned, nothing in flight: then the leader goes
        // (or stalls: its answers come STALL_MS late, well within the request timeout).
        first = (await producer.send(TOPIC, { value: valueOf(0), partition: 0 })).offset;
        if (fault === 'down') await cluster.brokerDown(2);
        else await cluster.setRtt(2, STALL_MS);

        collectGarbage();
        const memoryBefore = process.memoryUsage();
        const buffered: Promise<{ offset: number }>[] = [];
        let index = 1;
        // Fill the buffer: until a send has to wait for memory.
        while (producer.metrics().waitingSends === 0) {
          buffered.push(producer.send(TOPIC, { value: valueOf(index++), partition: 0 }));
          assert.ok(index < MAX_RECORDS, 'the buffer never filled');
        }
        const blocked = buffered.pop()!;
        const blockedAt = performance.now();
        const metrics = producer.metrics();
        // What the buffered sends hold, not the garbage the loop left behind.
        collectGarbage();
        const memoryAfter = process.memoryUsage();
        const reserved = metrics.bufferTotalBytes - metrics.bufferAvailableBytes;
        assert.ok(reserved <= BUFFER_MEMORY, `accounted ${reserved} bytes`);
        assert.ok(reserved > BUFFER_MEMORY - 2 * BATCH_SIZE, `the buffer is full (${reserved} of ${BUFFER_MEMORY} bytes)`);
        const arrayBuffers = memoryAfter.arrayBuffers - memoryBefore.arrayBuffers;
        const heap = memoryAfter.heapUsed - memoryBefore.heapUsed;
        // Batch buffers are outside the heap; per record, the heap holds its send's promise and
        // bookkeeping (measured after a full collection: 350-500 bytes a send, 1.4-2.1 MB here).
        assert.ok(arrayBuffers <= BUFFER_MEMORY + 256 * 1024, `array buffers grew by ${arrayBuffers} bytes`);
        assert.ok(heap <= 4 * 1024 * 1024, `heap grew by ${heap} bytes for ${buffered.length} records`);
        t.diagnostic(`${buffered.length} records buffered: ${reserved} bytes accounted of ${BUFFER_MEMORY}; array buffers +${arrayBuffers} bytes, heap +${heap} bytes, rss +${memoryAfter.rss - memoryBefore.rss} bytes`);

        await assert.rejects(blocked, (error: unknown) => {
          assert.ok(error instanceof KafkaBufferExhaustedError);
          assert.equal(error.errorName, 'BUFFER_EXHAUSTED');
          return true;
        });
        const waited = performance.now() - blockedAt;
        assert.ok(waited >= MAX_BLOCK_MS - 20 && waited <= MAX_BLOCK_MS + 250, `it failed after ${waited} ms, at maxBlockMs (${MAX_BLOCK_MS})`);
        assert.equal(producer.metrics().waitingSends, 0);

        if (fault === 'down') await cluster.brokerUp(2);
        else await cluster.setRtt(2, 0);
        const results = await Promise.all(buffered);
        assert.deepEqual(results.map((result) => result.offset), buffered.map((_, i) => first + i + 1));
        assert.equal(producer.metrics().bufferAvailableBytes, BUFFER_MEMORY);
      } finally {
        await producer.close();
      }
      const expected = producer.metrics().recordsSent;
      const records = await kcatConsume(cluster.bootstrapServers, { topic: TOPIC, partition: 0, offset: first, exitAtEnd: true, timeoutMs: 120_000 });
      assert.equal(records.length, expected);
      records.forEach((record, index) => assert.ok(record.offset === first + index && record.value?.equals(valueOf(index)), `record ${index}`));
    });
  });
}
