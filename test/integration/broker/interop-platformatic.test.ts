/**
 * @platformatic/kafka 1.x against the embedded cluster. It sends ApiVersions v3 only and needs
 * Metadata v9+, so it exercises the newest flexible versions: a producer, a group consumer and
 * the admin client, reading back exactly what was written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { MockCluster } from '../../../src/broker/index.js';

describe('@platformatic/kafka against the embedded cluster', () => {
  let cluster: MockCluster;
  let brokers: string[];
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'plt', partitions: 2 }] });
    brokers = cluster.bootstrapServers.split(',');
  });
  after(() => cluster.stop());

  it('produces, then consumes in a group exactly what was produced', async () => {
    const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true });
    const messages = Array.from({ length: 10 }, (_, index) => ({
      topic: 'plt',
      key: `key-${index}`,
      value: `value-${index}`,
      partition: index % 2,
      headers: new Map([['n', String(index)]]),
    }));
    const sent = await producer.send({ messages, acks: -1 });
    assert.deepEqual(
      sent.offsets?.map((entry) => [entry.topic, entry.partition, entry.offset]).sort(),
      [
        ['plt', 0, 0n],
        ['plt', 1, 0n],
      ],
    );
    await producer.close();

    const consumer = new Consumer({ groupId: 'plt-group', clientId: 'plt-consumer', bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: 500 });
    const stream = await consumer.consume({ topics: ['plt'], mode: 'earliest', autocommit: false });
    const received: Array<[number, bigint, string, string, string]> = [];
    for await (const message of stream) {
      received.push([message.partition, message.offset, message.key, message.value, message.headers.get('n') ?? '']);
      if (received.length === messages.length) break;
    }
    await stream.close();
    await consumer.close(true);
    assert.deepEqual(
      received.sort((a, b) => a[0] - b[0] || Number(a[1] - b[1])),
      [0, 2, 4, 6, 8, 1, 3, 5, 7, 9].map((index) => [index % 2, BigInt(Math.floor(index / 2)), `key-${index}`, `value-${index}`, String(index)]),
    );
  });

  it('creates, lists and deletes topics through the admin client', async () => {
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: brokers });
    const created = await admin.createTopics({ topics: ['plt-made'], partitions: 3, replicas: 1 });
    assert.deepEqual(created.map((topic) => [topic.name, topic.partitions, topic.replicas]), [['plt-made', 3, 1]]);
    assert.deepEqual((await admin.listTopics()).sort(), ['plt', 'plt-made']);
    const metadata = await admin.metadata({ topics: ['plt-made'] });
    assert.deepEqual(
      metadata.topics.get('plt-made')?.partitions.map((partition) => [partition.leader, partition.replicas]),
      [
        [1, [1]],
        [2, [2]],
        [3, [3]],
      ],
    );
    await admin.deleteTopics({ topics: ['plt-made'] });
    assert.deepEqual(await admin.listTopics(), ['plt']);
    await admin.close();
  });
});
