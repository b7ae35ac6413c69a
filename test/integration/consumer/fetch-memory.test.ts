/**
 * Prefetching is bounded by fetchMaxBytes on every cluster kind: with a slow application (and
 * one that stops polling) the bytes fetched but not yet returned, plus what requests in flight may
 * bring, stay below fetchMaxBytes plus one batch (a broker returns a first batch whole, KIP-74),
 * and fetching stops instead of reading the whole backlog; everything still arrives exactly once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';
import { waitFor } from '../../support/wait.js';
import { testConsumer } from './fetch-support.js';

const PARTITIONS = 4;
const PER_PARTITION = 240;
const VALUE_BYTES = 1000;
const RECORDS_PER_BATCH = 8;
const FETCH_MAX_BYTES = 32 * 1024;
/** A batch of 8 records of ~1 kB: what a broker may return beyond the limit (KIP-74). */
const BATCH_ALLOWANCE = 12 * 1024;

for (const kind of availableTestClusters()) {
  describe(`bounded prefetch on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    it('a slow application: buffered + requested bytes stay within fetchMaxBytes (+ one batch); fetching pauses while nobody polls', { timeout: 120_000 }, async () => {
      const topic = 'memory-bounded';
      await cluster.createTopic(topic, PARTITIONS, 1);
      for (let partition = 0; partition < PARTITIONS; partition++) {
        await kcatProduce(
          cluster.bootstrapServers,
          topic,
          Array.from({ length: PER_PARTITION }, (_, index) => ({ partition, value: `${partition}:${index}:`.padEnd(VALUE_BYTES, 'm') })),
          { config: { 'batch.num.messages': RECORDS_PER_BATCH, 'linger.ms': 5 } },
        );
      }
      const total = PARTITIONS * PER_PARTITION;
      const backlogBytes = total * VALUE_BYTES;
      const consumer = testConsumer(cluster, { fetchMaxBytes: FETCH_MAX_BYTES, maxPartitionFetchBytes: 16 * 1024, maxPollRecords: 5 });
      const seen = new Set<string>();
      try {
        consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
        // The application takes one record and then does not poll for a while.
        const first = await consumer.poll({ timeoutMs: 10_000, maxRecords: 1 });
        assert.equal(first.count, 1);
        for (const record of first) seen.add(`${record.partition}@${record.offset}`);
        await waitFor(() => consumer.metrics().bufferedBytes > 0, { what: 'prefetched data' });
        await delay(1000);
        const idle = consumer.metrics();
        assert.ok(idle.fetchedBytes <= FETCH_MAX_BYTES + BATCH_ALLOWANCE, `fetched ${idle.fetchedBytes} of a ${backlogBytes}-byte backlog while nobody polled`);
        assert.ok(idle.bufferedBytes <= FETCH_MAX_BYTES + BATCH_ALLOWANCE);

        // Then it works slowly through everything: 5 records per poll, a little work after each.
        while (seen.size < total) {
          const records = await consumer.poll({ timeoutMs: 10_000 });
          assert.ok(records.count > 0, `stalled at ${seen.size} of ${total}`);
          for (const record of records) {
            const id = `${record.partition}@${record.offset}`;
            assert.ok(!seen.has(id), `duplicate ${id}`);
            seen.add(id);
          }
          assert.ok(consumer.metrics().bufferedBytes <= FETCH_MAX_BYTES + BATCH_ALLOWANCE);
          await delay(1);
        }
        const metrics = consumer.metrics();
        assert.ok(metrics.peakBufferedBytes <= FETCH_MAX_BYTES + BATCH_ALLOWANCE, `peak ${metrics.peakBufferedBytes}`);
        assert.ok(metrics.fetchedBytes >= backlogBytes, 'everything was fetched in the end');
        assert.equal((await consumer.poll({ timeoutMs: 300 })).count, 0);
      } finally {
        await consumer.close();
      }
      assert.equal(seen.size, total);
    });
  });
}
