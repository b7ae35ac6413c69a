/**
 * An assign()-mode consumer reads exactly what kcat and kafka-python produced (keys, values,
 * headers, timestamps, offsets) for every codec, on every cluster kind; the reference is kcat
 * consuming the same partitions from the same broker.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kafkaPythonProduce, kcatConsume, kcatProduce, type Compression, type PeerRecord } from '../../support/peers.js';
import { byPartitionAndOffset, comparable, consumeExactly, testConsumer, timestampTypeOf } from './fetch-support.js';

const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PARTITIONS = 3;

/** Records kcat can send: binary keys and values, UTF-8 headers, a repeated header name, nulls. */
function kcatRecords(codec: string): PeerRecord[] {
  const records: PeerRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const partition = i % PARTITIONS;
    const binary = Buffer.from([i, 0, 255, 10, 13, 92, 34, (i * 7) & 0xff]);
    records.push({
      partition,
      key: i % 10 === 0 ? null : `key-${codec}-${i}`,
      value: i % 4 === 0 ? binary : `value ${codec} ${i} ${'x'.repeat(i * 13)}`,
      headers: partition === 0 ? [['trace', `t-${partition}`], ['trace', 'again'], ['empty', '']] : [],
    });
  }
  return records;
}

for (const kind of availableTestClusters()) {
  describe(`assign() consumer reads peers' records exactly on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    for (const codec of CODECS) {
      it(`kcat, ${codec}: same keys, values, headers, timestamps and offsets as kcat reads`, async () => {
        const topic = `interop-kcat-${codec}`;
        await cluster.createTopic(topic, PARTITIONS, 1);
        const records = kcatRecords(codec);
        for (let partition = 0; partition < PARTITIONS; partition++) {
          await kcatProduce(cluster.bootstrapServers, topic, records.filter((record) => record.partition === partition), { compression: codec });
        }
        const reference = await kcatConsume(cluster.bootstrapServers, { topic, exitAtEnd: true });
        assert.equal(reference.length, records.length);

        const consumer = testConsumer(cluster);
        try {
          consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
          const consumed = await consumeExactly(consumer, records.length);
          assert.deepEqual(byPartitionAndOffset(consumed).map(comparable), byPartitionAndOffset(reference).map(comparable));
          assert.deepEqual(byPartitionAndOffset(consumed).map((record) => record.timestampType), byPartitionAndOffset(reference).map(timestampTypeOf));
          // Per partition, offsets are consecutive from 0 and returned in order.
          for (let partition = 0; partition < PARTITIONS; partition++) {
            const offsets = consumed.filter((record) => record.partition === partition).map((record) => record.offset);
            assert.deepEqual(offsets, Array.from({ length: offsets.length }, (_, index) => index));
            assert.equal(await consumer.position({ topic, partition }), offsets.length);
          }
          const sizes = consumed.find((record) => record.key === null)!;
          assert.equal(sizes.serializedKeySize, -1);
          assert.equal(sizes.serializedValueSize, sizes.value!.length);
        } finally {
          await consumer.close();
        }
      });
    }

    it('kafka-python: explicit timestamps, null values, empty keys and values, headers', async () => {
      const topic = 'interop-kafka-python';
      await cluster.createTopic(topic, 2, 1);
      const base = 1_600_000_000_000;
      const records: PeerRecord[] = [
        { partition: 0, key: 'a', value: 'first', timestamp: base, headers: [['h1', 'v1'], ['h2', Buffer.from([0, 1, 2])]] },
        { partition: 0, key: 'tombstone', value: null, timestamp: base + 1 },
        { partition: 1, key: '', value: '', timestamp: base + 2 },
        { partition: 1, key: Buffer.from([0xff, 0x00]), value: Buffer.alloc(5000, 7), timestamp: base + 3 },
        { partition: 0, key: 'last', value: 'z', timestamp: base + 4 },
      ];
      const results = await kafkaPythonProduce(cluster.bootstrapServers, topic, records);
      assert.ok(results.every((result) => result.error === undefined), JSON.stringify(results));
      const reference = await kcatConsume(cluster.bootstrapServers, { topic, exitAtEnd: true });
      const consumer = testConsumer(cluster);
      try {
        consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
        const consumed = await consumeExactly(consumer, records.length);
        assert.deepEqual(byPartitionAndOffset(consumed).map(comparable), byPartitionAndOffset(reference).map(comparable));
        assert.deepEqual(
          byPartitionAndOffset(consumed).map((record) => record.timestamp),
          [base, base + 1, base + 4, base + 2, base + 3],
        );
      } finally {
        await consumer.close();
      }
    });

    it("deserializers: 'string' keys and 'json' values, with the types inferred", async () => {
      const topic = 'interop-deserializers';
      await cluster.createTopic(topic, 1, 1);
      await kcatProduce(cluster.bootstrapServers, topic, [
        { partition: 0, key: 'k1', value: JSON.stringify({ n: 1, s: 'é' }) },
        { partition: 0, key: 'k2', value: '[1,2,3]' },
      ]);
      const consumer = new (await import('../../../src/consumer/index.js')).KafkaConsumer({
        bootstrapServers: cluster.bootstrapServers,
        logLevel: 'silent',
        autoOffsetReset: 'earliest',
        fetchMaxWaitMs: 100,
        keyDeserializer: 'string',
        valueDeserializer: 'json',
      });
      try {
        consumer.assign([{ topic, partition: 0 }]);
        const consumed = await consumeExactly(consumer, 2);
        const keys: (string | null)[] = consumed.map((record) => record.key);
        assert.deepEqual(keys, ['k1', 'k2']);
        assert.deepEqual(consumed.map((record) => record.value), [{ n: 1, s: 'é' }, [1, 2, 3]]);
      } finally {
        await consumer.close();
      }
    });
  });
}
