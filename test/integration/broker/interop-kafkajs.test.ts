/**
 * KafkaJS 2.x against the embedded cluster: an idempotent producer, the admin client (topics,
 * offsets, group offsets), and a group consumer, reading back exactly what was written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, Kafka, logLevel, type Consumer } from 'kafkajs';
import { MockCluster } from '../../../src/broker/index.js';

describe('KafkaJS against the embedded cluster', () => {
  let cluster: MockCluster;
  let kafka: Kafka;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'js', partitions: 3 }] });
    kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  });
  after(() => cluster.stop());

  it('produces idempotently and reads back offsets and records', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 12 }, (_, index) => ({
      key: `key-${index}`,
      value: `value-${index}`,
      partition: index % 3,
      headers: { index: String(index), kind: 'test' },
      timestamp: String(1_700_000_000_000 + index),
    }));
    const first = await producer.send({ topic: 'js', messages: messages.slice(0, 6), acks: -1, compression: CompressionTypes.GZIP });
    const second = await producer.send({ topic: 'js', messages: messages.slice(6), acks: -1 });
    await producer.disconnect();
    assert.deepEqual(
      [...first, ...second].map((result) => [result.partition, result.errorCode, result.baseOffset]).sort(),
      [
        [0, 0, '0'],
        [0, 0, '2'],
        [1, 0, '0'],
        [1, 0, '2'],
        [2, 0, '0'],
        [2, 0, '2'],
      ],
    );
    // The idempotent producer's batches carry its producer id and sequences.
    const stored = cluster.batches('js', 0);
    assert.deepEqual(
      stored.map((batch) => [batch.baseOffset, batch.lastOffset, batch.producerEpoch, batch.baseSequence, batch.compression]),
      [
        [0, 1, 0, 0, 'gzip'],
        [2, 3, 0, 2, 'none'],
      ],
    );
    assert.ok(stored.every((batch) => batch.producerId >= 0));

    const admin = kafka.admin();
    await admin.connect();
    assert.deepEqual(
      (await admin.fetchTopicOffsets('js')).map((entry) => [entry.partition, entry.low, entry.high]).sort(),
      [
        [0, '0', '4'],
        [1, '0', '4'],
        [2, '0', '4'],
      ],
    );
    await admin.disconnect();

    const consumer = kafka.consumer({ groupId: 'kafkajs-readers', sessionTimeout: 10_000, heartbeatInterval: 500 });
    const received = await consumeAll(consumer, 'js', 12);
    assert.deepEqual(
      received.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset)),
      [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11].map((index) => ({
        partition: index % 3,
        offset: String(Math.floor(index / 3)),
        key: `key-${index}`,
        value: `value-${index}`,
        headers: { index: String(index), kind: 'test' },
        timestamp: String(1_700_000_000_000 + index),
      })),
    );
  });

  it('creates and deletes topics and commits and fetches group offsets through the admin client', async () => {
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'js-made', numPartitions: 4, replicationFactor: 2 }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'js-made', numPartitions: 4 }] }), false);
    const metadata = await admin.fetchTopicMetadata({ topics: ['js-made'] });
    assert.deepEqual(
      metadata.topics[0]!.partitions.map((partition) => [partition.partitionId, partition.leader, partition.replicas]).sort(),
      [
        [0, 1, [1, 2]],
        [1, 2, [2, 3]],
        [2, 3, [3, 1]],
        [3, 1, [1, 2]],
      ],
    );
    await admin.setOffsets({ groupId: 'kafkajs-admin', topic: 'js-made', partitions: [{ partition: 2, offset: '0' }] });
    assert.deepEqual(
      (await admin.fetchOffsets({ groupId: 'kafkajs-admin', topics: ['js-made'] }))[0]!.partitions.map((entry) => [entry.partition, entry.offset]).sort(),
      [
        [0, '-1'],
        [1, '-1'],
        [2, '0'],
        [3, '-1'],
      ],
    );
    await admin.deleteTopics({ topics: ['js-made'] });
    assert.deepEqual((await admin.listTopics()).sort(), ['js']);
    await admin.disconnect();
  });
});

interface Received {
  partition: number;
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp: string;
}

/** Consumes `count` records from the beginning with a group consumer, then disconnects it. */
async function consumeAll(consumer: Consumer, topic: string, count: number): Promise<Received[]> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
            timestamp: message.timestamp,
          });
          if (received.length === count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return received;
}
