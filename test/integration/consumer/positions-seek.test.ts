/**
 * Positions of an assign()-mode consumer on every cluster kind: seek, seekToBeginning,
 * seekToEnd, position, pause/resume, beginning/end offsets, offsets by time, and out-of-range
 * positions under each reset policy (past the end, and behind a log start moved by retention).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import type { EmbeddedCluster } from '../../support/embedded-cluster.js';
import { kafkaPythonProduce, kcatMetadata, kcatProduce } from '../../support/peers.js';
import type { PartitionInfo } from '../../../src/cluster/partition-info.js';
import { KafkaConsumer, KafkaOffsetOutOfRangeError, KafkaRecordDeserializationError } from '../../../src/consumer/index.js';
import { consumeExactly, testConsumer, testSettings } from './fetch-support.js';

async function produceValues(cluster: TestCluster, topic: string, partition: number, values: readonly string[]): Promise<void> {
  await kcatProduce(cluster.bootstrapServers, topic, values.map((value) => ({ partition, value })));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);

/** Makes the partition drop its oldest records (retention), so that its log start offset moves past 0. */
async function truncate(cluster: TestCluster, topic: string): Promise<number> {
  if (cluster.kind === 'embedded') {
    await (cluster as EmbeddedCluster).mock.createTopic(topic, { partitions: 1, replicationFactor: 1, configs: { 'retention.bytes': '30000' } });
  } else {
    await cluster.createTopic(topic, 1, 1);
  }
  // librdkafka's mock keeps about 5 MiB per partition; the embedded topic 30 kB.
  const batches = cluster.kind === 'embedded' ? 8 : 70;
  const consumer = testConsumer(cluster);
  try {
    for (let batch = 0; batch < batches; batch++) {
      await kcatProduce(cluster.bootstrapServers, topic, Array.from({ length: 10 }, (_, index) => ({ partition: 0, value: `${batch}-${index}-${'p'.repeat(10_000)}` })), { config: { 'batch.num.messages': 10 } });
    }
    const [start] = await consumer.beginningOffsets([{ topic, partition: 0 }]);
    assert.ok(start!.offset > 0, `the log start moved (${start!.offset})`);
    return start!.offset;
  } finally {
    await consumer.close();
  }
}

for (const kind of availableTestClusters()) {
  describe(`consumer positions on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    it('seek, seekToBeginning and seekToEnd move the position exactly; position() reports it', async () => {
      const topic = 'positions-seek';
      await cluster.createTopic(topic, 1, 1);
      await produceValues(cluster, topic, 0, range(0, 20).map(String));
      const tp = { topic, partition: 0 };
      const consumer = testConsumer(cluster);
      try {
        consumer.assign([tp]);
        consumer.seek(tp, 7);
        assert.equal(await consumer.position(tp), 7);
        assert.deepEqual((await consumeExactly(consumer, 13)).map((record) => record.offset), range(7, 20));
        assert.equal(await consumer.position(tp), 20);

        consumer.seekToBeginning([tp]);
        assert.equal(await consumer.position(tp), 0);
        assert.deepEqual((await consumeExactly(consumer, 20)).map((record) => Number(String(record.value))), range(0, 20));

        consumer.seek(tp, 3);
        consumer.seekToEnd();
        assert.equal(await consumer.position(tp), 20);
        assert.equal((await consumer.poll({ timeoutMs: 200 })).count, 0);
        await produceValues(cluster, topic, 0, ['20', '21', '22']);
        assert.deepEqual((await consumeExactly(consumer, 3)).map((record) => record.offset), [20, 21, 22]);

        // Seeking while records are buffered drops them: what follows starts at the new position.
        consumer.seek(tp, 18);
        assert.deepEqual((await consumeExactly(consumer, 5)).map((record) => record.offset), [18, 19, 20, 21, 22]);
        assert.throws(() => consumer.seek({ topic, partition: 9 }, 0), /not assigned/);
        assert.throws(() => consumer.seek(tp, -1), /non-negative/);
      } finally {
        await consumer.close();
      }
    });

    it('the reset policy decides the first position: earliest, latest', async () => {
      const topic = 'positions-initial';
      await cluster.createTopic(topic, 1, 1);
      await produceValues(cluster, topic, 0, ['a', 'b', 'c']);
      const tp = { topic, partition: 0 };
      const latest = testConsumer(cluster, { autoOffsetReset: 'latest' });
      const earliest = testConsumer(cluster, { autoOffsetReset: 'earliest' });
      try {
        latest.assign([tp]);
        earliest.assign([tp]);
        assert.equal(await latest.position(tp), 3);
        assert.equal(await earliest.position(tp), 0);
        assert.equal((await latest.poll({ timeoutMs: 200 })).count, 0);
        await produceValues(cluster, topic, 0, ['d']);
        assert.deepEqual((await consumeExactly(latest, 1)).map((record) => String(record.value)), ['d']);
        assert.deepEqual((await consumeExactly(earliest, 4)).map((record) => String(record.value)), ['a', 'b', 'c', 'd']);
      } finally {
        await latest.close();
        await earliest.close();
      }
    });

    it('pause stops a partition, resume brings it back without loss or duplicates, also with records buffered', async () => {
      const topic = 'positions-pause';
      await cluster.createTopic(topic, 2, 1);
      await produceValues(cluster, topic, 0, range(0, 5).map((n) => `p0-${n}`));
      await produceValues(cluster, topic, 1, range(0, 5).map((n) => `p1-${n}`));
      const p0 = { topic, partition: 0 };
      const p1 = { topic, partition: 1 };
      const consumer = testConsumer(cluster);
      try {
        consumer.assign([p0, p1]);
        consumer.pause([p1]);
        assert.deepEqual(consumer.paused(), [p1]);
        const first = await consumeExactly(consumer, 5);
        assert.deepEqual(first.map((record) => `${record.partition}@${record.offset}`), range(0, 5).map((n) => `0@${n}`));
        await produceValues(cluster, topic, 1, ['late']);
        assert.equal((await consumer.poll({ timeoutMs: 300 })).count, 0);
        consumer.resume([p1]);
        assert.deepEqual(consumer.paused(), []);
        assert.deepEqual((await consumeExactly(consumer, 6)).map((record) => `${record.partition}@${record.offset}`), range(0, 6).map((n) => `1@${n}`));

        // Pausing a partition whose records are already buffered: they wait, and come after resume.
        await produceValues(cluster, topic, 0, ['a', 'b', 'c']);
        await produceValues(cluster, topic, 1, ['a', 'b', 'c']);
        const [head] = await consumeExactly(consumer, 1, { quietMs: 0 });
        const pausedTp = head!.partition === 0 ? p0 : p1;
        const other = pausedTp === p0 ? p1 : p0;
        consumer.pause([pausedTp]);
        const others = await consumeExactly(consumer, 3);
        assert.ok(others.every((record) => record.partition === other.partition));
        consumer.resume([pausedTp]);
        assert.deepEqual((await consumeExactly(consumer, 2)).map((record) => `${record.partition}@${record.offset}`), [1, 2].map((n) => `${pausedTp.partition}@${head!.offset + n}`));
      } finally {
        await consumer.close();
      }
    });

    it('beginningOffsets, endOffsets, offsetsForTimes and currentLag', async () => {
      const topic = 'positions-offsets';
      await cluster.createTopic(topic, 2, 1);
      const base = 1_650_000_000_000;
      await kafkaPythonProduce(cluster.bootstrapServers, topic, range(0, 6).map((n) => ({ partition: n % 2, value: `v${n}`, timestamp: base + n * 1000 })));
      const consumer = testConsumer(cluster);
      try {
        const p0 = { topic, partition: 0 };
        const p1 = { topic, partition: 1 };
        assert.deepEqual(await consumer.beginningOffsets([p0, p1]), [{ ...p0, offset: 0 }, { ...p1, offset: 0 }]);
        assert.deepEqual(await consumer.endOffsets([p0, p1]), [{ ...p0, offset: 3 }, { ...p1, offset: 3 }]);
        const found = await consumer.offsetsForTimes([{ ...p0, timestamp: base + 1500 }, { ...p1, timestamp: base + 60_000 }]);
        if (cluster.kind === 'rdkafka-mock') {
          // librdkafka's mock answers timestamp lookups with no offset.
          assert.deepEqual(found.map((entry) => entry.offset), [null, null]);
        } else {
          assert.deepEqual(found, [
            { ...p0, offset: 1, timestamp: base + 2000, leaderEpoch: found[0]!.leaderEpoch },
            { ...p1, offset: null, timestamp: null, leaderEpoch: null },
          ]);
        }
        consumer.assign([p0]);
        await consumeExactly(consumer, 3, { quietMs: 0 });
        assert.equal(consumer.currentLag(p0), 0);
        consumer.seek(p0, 1);
        assert.equal(consumer.currentLag(p0), 2);
      } finally {
        await consumer.close();
      }
    });

    it('listTopics and partitionsFor report what kcat -L reports', async () => {
      const topic = 'positions-listed';
      await cluster.createTopic(topic, 5, 1);
      const consumer = testConsumer(cluster);
      try {
        const [listed, partitions, metadata] = await Promise.all([consumer.listTopics(), consumer.partitionsFor(topic), kcatMetadata(cluster.bootstrapServers)]);
        // In kcatMetadata's shape: sorted by partition, replicas and ISR as plain arrays.
        const asKcat = (infos: readonly PartitionInfo[]) =>
          [...infos].sort((a, b) => a.partition - b.partition).map((info) => ({ partition: info.partition, leader: info.leader, replicas: [...info.replicas], isrs: [...info.inSyncReplicas], error: null }));
        const expected = new Map(metadata.topics.map((entry) => [entry.name, entry.partitions]));
        assert.ok(expected.has(topic));
        assert.deepEqual([...listed.keys()].sort(), [...expected.keys()].sort());
        for (const [name, infos] of listed) {
          assert.ok(infos.every((info) => info.topic === name));
          assert.deepEqual(asKcat(infos), expected.get(name), name);
        }
        assert.deepEqual(asKcat(partitions).map((info) => info.partition), [0, 1, 2, 3, 4]);
        assert.deepEqual(asKcat(partitions), expected.get(topic));
      } finally {
        await consumer.close();
      }
    });

    it('a deserializer failure: the records before it first, then KafkaRecordDeserializationError at every poll with the position kept, until a seek past it', async () => {
      const topic = 'positions-deserializer';
      await cluster.createTopic(topic, 1, 1);
      await produceValues(cluster, topic, 0, ['1', '2', 'three', '4', '5']);
      const tp = { topic, partition: 0 };
      const consumer = new KafkaConsumer({
        ...testSettings(cluster),
        valueDeserializer: (data: Buffer) => {
          const number = Number(data.toString());
          if (Number.isNaN(number)) throw new Error(`'${data.toString()}' is not a number`);
          return number;
        },
      });
      try {
        consumer.assign([tp]);
        const first = await consumer.poll({ timeoutMs: 10_000 });
        assert.deepEqual(first.toArray().map((record) => record.value), [1, 2]);
        for (let attempt = 0; attempt < 2; attempt++) {
          await assert.rejects(consumer.poll({ timeoutMs: 1000 }), (error: unknown) => {
            assert.ok(error instanceof KafkaRecordDeserializationError);
            assert.deepEqual([error.topicPartition, error.offset, error.part], [tp, 2, 'value']);
            return true;
          });
          assert.equal(await consumer.position(tp), 2);
        }
        consumer.seek(tp, 3);
        assert.deepEqual((await consumeExactly(consumer, 2)).map((record) => [record.offset, record.value]), [[3, 4], [4, 5]]);
      } finally {
        await consumer.close();
      }
    });

    it('a position past the end is out of range: earliest and latest reset, none raises KafkaOffsetOutOfRangeError until the application seeks', async () => {
      const topic = 'positions-out-of-range';
      await cluster.createTopic(topic, 1, 1);
      await produceValues(cluster, topic, 0, range(0, 5).map(String));
      const tp = { topic, partition: 0 };
      for (const policy of ['earliest', 'latest'] as const) {
        const consumer = testConsumer(cluster, { autoOffsetReset: policy });
        try {
          consumer.assign([tp]);
          consumer.seek(tp, 1000);
          if (policy === 'earliest') {
            assert.deepEqual((await consumeExactly(consumer, 5)).map((record) => record.offset), range(0, 5));
          } else {
            assert.equal((await consumer.poll({ timeoutMs: 500 })).count, 0);
            assert.equal(await consumer.position(tp), 5);
          }
        } finally {
          await consumer.close();
        }
      }
      const consumer = testConsumer(cluster, { autoOffsetReset: 'none' });
      try {
        consumer.assign([tp]);
        // No committed offset (no group) and no policy: nothing to start from.
        await assert.rejects(consumer.poll({ timeoutMs: 2000 }), (error: unknown) => error instanceof KafkaOffsetOutOfRangeError && error.partitions[0]!.offset === null);
        consumer.seek(tp, 1000);
        await assert.rejects(consumer.poll({ timeoutMs: 5000 }), (error: unknown) => {
          assert.ok(error instanceof KafkaOffsetOutOfRangeError);
          assert.deepEqual(error.partitions, [{ topic, partition: 0, offset: 1000 }]);
          return true;
        });
        await assert.rejects(consumer.poll({ timeoutMs: 5000 }), KafkaOffsetOutOfRangeError);
        consumer.seek(tp, 2);
        assert.deepEqual((await consumeExactly(consumer, 3)).map((record) => record.offset), [2, 3, 4]);
      } finally {
        await consumer.close();
      }
    });

    it('retention moved the log start past the position: earliest resumes at the new start, latest at the end, none raises', { timeout: 120_000 }, async () => {
      const topic = 'positions-truncated';
      const start = await truncate(cluster, topic);
      const tp = { topic, partition: 0 };
      const probe = testConsumer(cluster);
      const [end] = await probe.endOffsets([tp]);
      await probe.close();
      for (const policy of ['earliest', 'latest', 'none'] as const) {
        const consumer = testConsumer(cluster, { autoOffsetReset: policy, maxPollRecords: 10 });
        try {
          consumer.assign([tp]);
          consumer.seek(tp, 0);
          if (policy === 'none') {
            await assert.rejects(consumer.poll({ timeoutMs: 5000 }), (error: unknown) => error instanceof KafkaOffsetOutOfRangeError && error.partitions[0]!.offset === 0);
          } else if (policy === 'earliest') {
            const records = await consumeExactly(consumer, 10, { quietMs: 0 });
            assert.equal(records[0]!.offset, start);
          } else {
            assert.equal((await consumer.poll({ timeoutMs: 500 })).count, 0);
            assert.equal(await consumer.position(tp), end!.offset);
          }
        } finally {
          await consumer.close();
        }
      }
    });
  });
}
