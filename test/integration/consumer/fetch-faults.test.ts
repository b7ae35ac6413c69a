/**
 * Broker trouble during consumption, on every cluster kind: a leader going down and coming back,
 * leadership moving, injected Fetch errors and dropped connections. An assign()-mode consumer
 * must end up with every record exactly once, in order per partition.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableTestClusters, startTestCluster, CLOSE_CONNECTION, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';
import type { ConsumerRecord } from '../../../src/consumer/index.js';
import { consumeExactly, testConsumer } from './fetch-support.js';

const PARTITIONS = 6;
const FETCH = 1;

async function produceRound(cluster: TestCluster, topic: string, round: number, partitions: readonly number[], perPartition = 20): Promise<void> {
  for (const partition of partitions) {
    await kcatProduce(cluster.bootstrapServers, topic, Array.from({ length: perPartition }, (_, index) => ({ partition, value: `r${round}-p${partition}-${index}` })));
  }
}

/** Every partition's records are its offsets 0..n-1 exactly once, in order. */
function assertExactlyOnceInOrder(records: readonly ConsumerRecord[], expected: ReadonlyMap<number, number>): void {
  for (const [partition, count] of expected) {
    const offsets = records.filter((record) => record.partition === partition).map((record) => record.offset);
    assert.deepEqual(offsets, Array.from({ length: count }, (_, index) => index), `partition ${partition}`);
  }
}

for (const kind of availableTestClusters()) {
  describe(`consumption through broker failures on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    it('a leader goes down and comes back: the other partitions go on, nothing is lost or duplicated', { timeout: 90_000 }, async () => {
      const topic = 'faults-broker-down';
      await cluster.createTopic(topic, PARTITIONS, 3);
      for (let partition = 0; partition < PARTITIONS; partition++) await cluster.setLeader(topic, partition, 1 + (partition % 3));
      const all = Array.from({ length: PARTITIONS }, (_, partition) => partition);
      await produceRound(cluster, topic, 0, all);
      const consumer = testConsumer(cluster, { maxPollRecords: 7, requestTimeoutMs: 5000 });
      const records: ConsumerRecord[] = [];
      try {
        consumer.assign(all.map((partition) => ({ topic, partition })));
        records.push(...(await consumeExactly(consumer, 30, { quietMs: 0 })));
        await cluster.brokerDown(2);
        // Partitions led by brokers 1 and 3 keep flowing while broker 2 is away.
        const alive = all.filter((partition) => 1 + (partition % 3) !== 2);
        await produceRound(cluster, topic, 1, alive);
        const stillExpected = PARTITIONS * 20 + alive.length * 20 - 30 - 2 * 20;
        const duringOutage = await consumeExactly(consumer, stillExpected, { quietMs: 0, timeoutMs: 30_000 });
        records.push(...duringOutage);
        await cluster.brokerUp(2);
        await produceRound(cluster, topic, 2, all);
        const total = PARTITIONS * 20 * 2 + alive.length * 20;
        records.push(...(await consumeExactly(consumer, total - records.length, { timeoutMs: 30_000 })));
        const expected = new Map(all.map((partition) => [partition, alive.includes(partition) ? 60 : 40]));
        assertExactlyOnceInOrder(records, expected);
      } finally {
        await cluster.brokerUp(2).catch(() => {});
        await consumer.close();
      }
    });

    it('leadership moves to another broker: the consumer follows it (NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH) without loss or duplicates', { timeout: 60_000 }, async () => {
      const topic = 'faults-leader-moves';
      await cluster.createTopic(topic, 2, 3);
      await cluster.setLeader(topic, 0, 1);
      await cluster.setLeader(topic, 1, 2);
      await produceRound(cluster, topic, 0, [0, 1]);
      const consumer = testConsumer(cluster, { maxPollRecords: 5 });
      const records: ConsumerRecord[] = [];
      try {
        consumer.assign([0, 1].map((partition) => ({ topic, partition })));
        records.push(...(await consumeExactly(consumer, 10, { quietMs: 0 })));
        await cluster.setLeader(topic, 0, 3);
        await cluster.setLeader(topic, 1, 3);
        await produceRound(cluster, topic, 1, [0, 1]);
        records.push(...(await consumeExactly(consumer, 70, { timeoutMs: 30_000 })));
        assertExactlyOnceInOrder(records, new Map([[0, 40], [1, 40]]));
      } finally {
        await consumer.close();
      }
    });

    it('injected Fetch errors and dropped connections are retried without loss or duplicates', { timeout: 60_000 }, async () => {
      const topic = 'faults-injected';
      await cluster.createTopic(topic, 3, 3);
      await produceRound(cluster, topic, 0, [0, 1, 2]);
      const consumer = testConsumer(cluster, { maxPollRecords: 4 });
      const records: ConsumerRecord[] = [];
      try {
        consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
        records.push(...(await consumeExactly(consumer, 8, { quietMs: 0 })));
        // NOT_LEADER_OR_FOLLOWER, dropped connection, UNKNOWN_SERVER_ERROR, REQUEST_TIMED_OUT, FENCED_LEADER_EPOCH, NOT_LEADER again.
        await cluster.pushRequestErrors(FETCH, [6, CLOSE_CONNECTION, -1, 7, 74, CLOSE_CONNECTION, 6]);
        await produceRound(cluster, topic, 1, [0, 1, 2]);
        records.push(...(await consumeExactly(consumer, 120 - 8, { timeoutMs: 30_000 })));
        assertExactlyOnceInOrder(records, new Map([[0, 40], [1, 40], [2, 40]]));
      } finally {
        await cluster.clearRequestErrors(FETCH);
        await consumer.close();
      }
    });
  });
}
