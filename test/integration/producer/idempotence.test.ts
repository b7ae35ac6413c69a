/**
 * The idempotent producer's recovery from sequence errors (KIP-360), on every cluster kind: a
 * Produce request answered OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID wrote nothing, so
 * the producer bumps its epoch, renumbers the partition's unacknowledged batches from 0 and sends
 * them again. kcat then reads every record exactly once, in send order, at the offset its send
 * reported.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer } from '../../../src/producer/index.js';
import { ApiKey, ErrorCode } from '../../../src/protocol/generated/index.js';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import type { EmbeddedCluster } from '../../support/embedded-cluster.js';
import { kcatConsume } from '../../support/peers.js';
import { waitFor } from '../../support/wait.js';

const TOPIC = 'idempotence';
const PARTITIONS = 3;
const RECORDS = 6000;

const valueOf = (partition: number, sequence: number): string => `${partition}:${String(sequence).padStart(6, '0')}`;

for (const kind of availableTestClusters()) {
  describe(`idempotent producer recovering sequences on ${kind}`, { timeout: 180_000 }, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
      await cluster.createTopic(TOPIC, PARTITIONS, 3);
      for (let partition = 0; partition < PARTITIONS; partition++) await cluster.setLeader(TOPIC, partition, partition + 1);
    });
    after(async () => {
      await cluster?.stop();
    });

    it('bumps the epoch once per lost sequence state and delivers every record once, in order', { timeout: 150_000 }, async () => {
      const producer = new KafkaProducer<Buffer, string>({
        bootstrapServers: cluster.bootstrapServers,
        valueSerializer: 'string',
        // Small batches, so that several of each partition are in flight when a fault hits.
        batchSize: 2048,
        // librdkafka's mock checks sequences only for transactional producers (DEVELOPERS.md): with
        // more than one request in flight it would write a later batch before a refused one's retry.
        ...(kind === 'rdkafka-mock' ? { maxInFlightRequestsPerConnection: 1 } : {}),
        retryBackoffMs: 20,
        retryBackoffMaxMs: 100,
        logLevel: 'error',
      });
      let sent = 0;
      let wrongOffsets = 0;
      const failures: string[] = [];
      const faults = (async () => {
        await waitFor(() => sent >= 1500, { timeoutMs: 60_000, intervalMs: 5, what: '1500 sends' });
        await cluster.pushRequestErrors(ApiKey.Produce, [ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER]);
        await waitFor(() => producer.metrics().producerEpoch === 1, { timeoutMs: 60_000, intervalMs: 5, what: 'the first epoch bump' });
        await waitFor(() => sent >= 4000, { timeoutMs: 60_000, intervalMs: 5, what: '4000 sends' });
        await cluster.pushRequestErrors(ApiKey.Produce, [ErrorCode.UNKNOWN_PRODUCER_ID]);
        await waitFor(() => producer.metrics().producerEpoch === 2, { timeoutMs: 60_000, intervalMs: 5, what: 'the second epoch bump' });
      })();

      const sequences = new Array<number>(PARTITIONS).fill(0);
      const window: Promise<void>[] = [];
      try {
        for (let i = 0; i < RECORDS; i++) {
          const partition = i % PARTITIONS;
          const sequence = sequences[partition]!++;
          window.push(
            producer.send(TOPIC, { value: valueOf(partition, sequence), partition }).then(
              (result) => void (result.offset !== sequence && wrongOffsets++),
              (error: Error) => void failures.push(error.message),
            ),
          );
          sent++;
          // Sends are paced by acknowledgements, so the faults land while records are in flight.
          if (window.length >= 300) await window.shift();
        }
        await Promise.all(window);
        await faults;
      } finally {
        await producer.close();
      }
      const metrics = producer.metrics();
      assert.deepEqual(failures.slice(0, 5), []);
      assert.equal(wrongOffsets, 0, 'every send reported the offset of its sequence number');
      assert.equal(metrics.producerEpoch, 2, 'one epoch bump per fault');
      assert.ok(metrics.recordsRetried > 0);

      for (let partition = 0; partition < PARTITIONS; partition++) {
        const records = await kcatConsume(cluster.bootstrapServers, { topic: TOPIC, partition, exitAtEnd: true });
        assert.deepEqual(
          records.map((record) => `${record.offset}=${record.value?.toString('utf8')}`),
          Array.from({ length: RECORDS / PARTITIONS }, (_, index) => `${index}=${valueOf(partition, index)}`),
          `partition ${partition}`,
        );
      }
      if (kind === 'embedded') {
        // The broker saw the producer's three epochs; each partition began every epoch it used at
        // sequence 0 (a partition moves to a new epoch when it next has nothing in flight, so one
        // may skip an epoch, but the partition whose request failed wrote in the new one).
        const epochs = new Set<number>();
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const batches = (cluster as EmbeddedCluster).mock.batches(TOPIC, partition);
          for (const epoch of new Set(batches.map((batch) => batch.producerEpoch))) {
            epochs.add(epoch);
            assert.equal(batches.find((batch) => batch.producerEpoch === epoch)?.baseSequence, 0, `partition ${partition}, epoch ${epoch}`);
          }
        }
        assert.deepEqual([...epochs].sort((a, b) => a - b), [0, 1, 2]);
      }
    });
  });
}
