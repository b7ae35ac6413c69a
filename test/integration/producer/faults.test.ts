/**
 * The producer's delivery guarantees under faults, on every cluster kind available: 1,000,000
 * records to 12 partitions (acks=all, idempotent) while leaders move, Produce requests fail with
 * NOT_LEADER_OR_FOLLOWER or a dropped connection, and a broker goes down and comes back. Each value
 * carries its partition and a per-partition sequence number; kcat reads everything back, and every
 * acknowledged record must be there exactly once, in send order, at the offset its send reported.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaProducer } from '../../../src/producer/index.js';
import { CLOSE_CONNECTION, availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatConsume } from '../../support/peers.js';
import { waitFor } from '../../support/wait.js';

const TOPIC = 'faults';
const PARTITIONS = 12;
const RECORDS = 1_000_000;
/** Sends awaiting acknowledgement at most: keeps the test's own memory bounded. */
const WINDOW = 20_000;
const PRODUCE = 0;
const NOT_LEADER_OR_FOLLOWER = 6;

function valueOf(partition: number, sequence: number): string {
  return `${String(partition).padStart(2, '0')}:${String(sequence).padStart(8, '0')}`;
}

for (const kind of availableTestClusters()) {
  describe(`KafkaProducer under faults (${kind})`, { timeout: 600_000 }, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
      await cluster.createTopic(TOPIC, PARTITIONS, 3);
    });
    after(async () => {
      await cluster?.stop();
    });

    it('delivers 1,000,000 records exactly once, in order per partition, through leader moves, errors and a broker restart', { timeout: 600_000 }, async () => {
      const leaders = Array.from({ length: PARTITIONS }, (_, partition) => (partition % 3) + 1);
      for (let partition = 0; partition < PARTITIONS; partition++) await cluster.setLeader(TOPIC, partition, leaders[partition]!);
      const moveLeader = async (partition: number, broker: number): Promise<void> => {
        leaders[partition] = broker;
        await cluster.setLeader(TOPIC, partition, broker);
      };

      const producer = new KafkaProducer<Buffer, string>({
        bootstrapServers: cluster.bootstrapServers,
        // librdkafka's mock checks sequence numbers only for transactional producers: batches sent
        // after one that fails would be written before its retry instead of being refused as out of
        // order. One request in flight keeps the order there; the embedded broker checks sequences,
        // so it gets the default five.
        ...(kind === 'rdkafka-mock' ? { maxInFlightRequestsPerConnection: 1 } : {}),
        valueSerializer: 'string',
        logLevel: 'error',
        retryBackoffMs: 20,
        retryBackoffMaxMs: 200,
        reconnectBackoffMs: 20,
        reconnectBackoffMaxMs: 200,
      });
      let sent = 0;
      let acknowledged = 0;
      let wrongOffsets = 0;
      const failures: string[] = [];
      const faults: string[] = [];

      // The faults, driven by progress, alongside the sends.
      const driver = (async () => {
        const whenSent = (count: number) => waitFor(() => sent >= count, { timeoutMs: 300_000, intervalMs: 10, what: `${count} sends` });
        await whenSent(100_000);
        for (const partition of [0, 1, 2, 3]) await moveLeader(partition, (leaders[partition]! % 3) + 1);
        faults.push('moved the leaders of partitions 0-3');
        await whenSent(250_000);
        await cluster.pushRequestErrors(PRODUCE, [NOT_LEADER_OR_FOLLOWER, CLOSE_CONNECTION, NOT_LEADER_OR_FOLLOWER, CLOSE_CONNECTION, NOT_LEADER_OR_FOLLOWER]);
        faults.push('pushed NOT_LEADER_OR_FOLLOWER and CLOSE_CONNECTION for the next 5 Produce requests');
        await whenSent(400_000);
        if (kind === 'rdkafka-mock') {
          // librdkafka's mock checks sequences only for transactional producers, so a batch it wrote
          // just before going down, whose answer was lost, would be written again: move broker 3's
          // partitions away first. (The embedded broker deduplicates, so there broker 3 goes down
          // while it leads partitions.)
          for (let partition = 0; partition < PARTITIONS; partition++) if (leaders[partition] === 3) await moveLeader(partition, 1);
          await waitFor(() => sent >= 450_000, { timeoutMs: 300_000, intervalMs: 10, what: 'sends after the move' });
        }
        const failedBefore = producer.metrics().brokers['3']?.connectionFailures ?? 0;
        await cluster.brokerDown(3);
        faults.push('broker 3 down');
        if (kind === 'rdkafka-mock') await whenSent(550_000);
        else await waitFor(() => (producer.metrics().brokers['3']?.connectionFailures ?? 0) > failedBefore, { timeoutMs: 300_000, intervalMs: 10, what: 'failed connections to broker 3 while it is down' });
        await cluster.brokerUp(3);
        faults.push('broker 3 up');
        await whenSent(700_000);
        for (const partition of [4, 5, 6, 7, 8]) await moveLeader(partition, 3);
        faults.push('moved the leaders of partitions 4-8 to broker 3');
        await whenSent(850_000);
        await cluster.pushRequestErrors(PRODUCE, [CLOSE_CONNECTION, NOT_LEADER_OR_FOLLOWER, CLOSE_CONNECTION]);
        faults.push('pushed CLOSE_CONNECTION and NOT_LEADER_OR_FOLLOWER for the next 3 Produce requests');
      })();

      const ring: Promise<void>[] = new Array(WINDOW);
      const sequences = new Array<number>(PARTITIONS).fill(0);
      for (let i = 0; i < RECORDS; i++) {
        const slot = i % WINDOW;
        if (ring[slot] !== undefined) await ring[slot];
        const partition = i % PARTITIONS;
        const sequence = sequences[partition]!++;
        ring[slot] = producer.send(TOPIC, { value: valueOf(partition, sequence), partition }).then(
          (result) => {
            acknowledged++;
            if (result.partition !== partition || result.offset !== sequence) wrongOffsets++;
          },
          (error: Error) => void failures.push(error.message),
        );
        sent++;
      }
      await Promise.all(ring);
      await driver;
      const metrics = producer.metrics();
      await producer.close();

      assert.deepEqual(failures.slice(0, 5), []);
      assert.equal(acknowledged, RECORDS);
      assert.equal(wrongOffsets, 0, 'every send reported the offset of its sequence number');
      assert.equal(faults.length, 6, faults.join('; '));
      assert.ok(metrics.recordsRetried > 0, 'the faults made the producer retry');

      for (let partition = 0; partition < PARTITIONS; partition++) {
        const records = await kcatConsume(cluster.bootstrapServers, { topic: TOPIC, partition, exitAtEnd: true, timeoutMs: 240_000 });
        const expected = sequences[partition]!;
        assert.equal(records.length, expected, `partition ${partition}: ${records.length} records read, ${expected} acknowledged`);
        let outOfPlace = 0;
        records.forEach((record, index) => {
          if (record.offset !== index || record.value?.toString('utf8') !== valueOf(partition, index)) outOfPlace++;
        });
        assert.equal(outOfPlace, 0, `partition ${partition}: records out of order, duplicated or missing`);
      }
    });
  });
}
