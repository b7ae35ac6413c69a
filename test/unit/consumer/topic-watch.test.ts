/**
 * TopicWatch and RegExp subscriptions, against kafkats' embedded broker (in this process, real
 * sockets): the pattern is resolved against every topic (internal ones excluded), a new matching
 * topic or a changed partition count asks the group to rebalance, and a subscribed consumer ends
 * up reading a topic created after it subscribed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockCluster } from '../../../src/broker/index.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { silentLogger } from '../../../src/cluster/logger.js';
import { SubscriptionState } from '../../../src/consumer/subscription-state.js';
import { TopicWatch, statelessPattern } from '../../../src/consumer/topic-watch.js';
import { KafkaConsumer } from '../../../src/consumer/index.js';
import { RecordBatchBuilder } from '../../../src/records/batch-builder.js';
import { Produce } from '../../../src/protocol/generated/index.js';

describe('TopicWatch', () => {
  let mock: MockCluster;
  let cluster: Cluster;

  before(async () => {
    mock = await MockCluster.start({ brokers: 1, topics: [{ name: 'orders-eu', partitions: 2 }, { name: 'orders-us', partitions: 1 }, { name: 'payments', partitions: 1 }] });
    cluster = new Cluster(resolveCommonOptions({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' }));
  });
  after(async () => {
    await cluster?.close();
    await mock?.stop();
  });

  it('resolves a pattern, then reports new matching topics and partition count changes', async () => {
    const subscriptions = new SubscriptionState();
    subscriptions.subscribePattern(statelessPattern(/^orders-/g));
    const changes: string[] = [];
    const watch = new TopicWatch(cluster, subscriptions, { metadataMaxAgeMs: 60_000, excludeInternalTopics: true, allowAutoCreateTopics: false }, silentLogger, (reason) => changes.push(reason));
    await watch.maybeCheck();
    assert.deepEqual(subscriptions.subscribedTopics, ['orders-eu', 'orders-us']);
    assert.equal(changes.length, 1);
    assert.equal(watch.initialized, true);

    // Not due yet: nothing is asked.
    await mock.createTopic('orders-asia', { partitions: 1 });
    await watch.maybeCheck();
    assert.deepEqual(subscriptions.subscribedTopics, ['orders-eu', 'orders-us']);

    watch.reset();
    await watch.maybeCheck();
    assert.deepEqual(subscriptions.subscribedTopics, ['orders-asia', 'orders-eu', 'orders-us']);
    assert.equal(changes.length, 2);
    assert.match(changes[1]!, /now matches 3 topic\(s\) \(was 2\)/);

    // The same topics with one more partition: a rebalance is needed, the subscription is the same.
    await mock.deleteTopic('orders-us');
    await mock.createTopic('orders-us', { partitions: 3 });
    const due = performance.now() + 120_000;
    await watch.maybeCheck(due);
    assert.deepEqual(subscriptions.subscribedTopics, ['orders-asia', 'orders-eu', 'orders-us']);
    assert.deepEqual(changes.slice(2), ['topic orders-us has 3 partitions (was 1)']);
  });

  it('a global RegExp behaves the same on every test (no lastIndex state)', () => {
    const pattern = statelessPattern(/^a/gy);
    assert.equal(pattern.flags.includes('g') || pattern.flags.includes('y'), false);
    assert.equal(pattern.test('ab') && pattern.test('ab'), true);
  });

  it('a consumer subscribed to a pattern reads a matching topic created after it joined', { timeout: 60_000 }, async () => {
    const consumer = new KafkaConsumer({ bootstrapServers: mock.bootstrapServers, groupId: 'pattern-group', autoOffsetReset: 'earliest', metadataMaxAgeMs: 200, fetchMaxWaitMs: 50, logLevel: 'silent', valueDeserializer: 'string' });
    const assigned: string[] = [];
    try {
      consumer.subscribe(/^events-/, { onPartitionsAssigned: (partitions) => void assigned.push(...partitions.map((tp) => `${tp.topic}-${tp.partition}`)) });
      await mock.createTopic('events-a', { partitions: 1 });
      await produce(mock, 'events-a', 'first');
      const deadline = performance.now() + 30_000;
      const values: string[] = [];
      let created = false;
      while (values.length < 2 && performance.now() < deadline) {
        for (const record of await consumer.poll({ timeoutMs: 200 })) values.push(`${record.topic}:${record.value}`);
        if (values.length === 1 && !created) {
          created = true;
          await mock.createTopic('events-b', { partitions: 1 });
          await produce(mock, 'events-b', 'second');
        }
      }
      assert.deepEqual(values, ['events-a:first', 'events-b:second']);
      assert.ok(assigned.includes('events-b-0'));
      assert.deepEqual(consumer.subscription(), ['events-a', 'events-b']);
    } finally {
      await consumer.close();
    }
  });
});

async function produce(mock: MockCluster, topic: string, value: string): Promise<void> {
  const producer = new Cluster(resolveCommonOptions({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' }));
  try {
    const builder = new RecordBatchBuilder();
    builder.append({ value });
    const response = await producer.sendWithRetries({ leaderOf: { topic, partition: 0 } }, Produce, {
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: builder.closeSync() }] }],
    });
    assert.equal(response?.responses[0]?.partitionResponses[0]?.errorCode, 0);
  } finally {
    await producer.close();
  }
}
