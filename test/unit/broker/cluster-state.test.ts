import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerRequestError, ClusterState, invalidTopicNameReason, randomKafkaUuid, type BrokerNode } from '../../../src/broker/cluster-state.js';

function state(brokers = 3, maxPartitions = 100): ClusterState {
  const nodes: BrokerNode[] = Array.from({ length: brokers }, (_, index) => ({ id: index + 1, host: '127.0.0.1', port: 9092 + index, rack: null, up: true }));
  return new ClusterState(
    { defaultPartitions: 2, defaultReplicationFactor: 2, autoCreateTopics: true, maxPartitions, maxProducersPerPartition: 10, retentionBytes: 1000, maxMessageBytes: 1000, timestampAfterMaxMs: 1000 },
    nodes,
    'cluster',
  );
}

function code(action: () => unknown): number {
  try {
    action();
    return 0;
  } catch (error) {
    assert.ok(error instanceof BrokerRequestError);
    return error.errorCode;
  }
}

describe('ClusterState', () => {
  it('spreads leaders round-robin and followers after them', () => {
    const cluster = state();
    const topic = cluster.createTopic({ name: 'spread', partitions: 4, replicationFactor: 2 });
    assert.deepEqual(
      topic.partitions.map((partition) => [partition.leader, partition.replicas, partition.isr, partition.leaderEpoch]),
      [
        [1, [1, 2], [1, 2], 0],
        [2, [2, 3], [2, 3], 0],
        [3, [3, 1], [3, 1], 0],
        [1, [1, 2], [1, 2], 0],
      ],
    );
    assert.equal(cluster.topicById(topic.id), topic);
    assert.equal(cluster.createTopic({ name: 'defaults', partitions: -1, replicationFactor: -1 }).partitions.length, 2);
  });

  it('refuses names, counts and limits as Kafka does', () => {
    const cluster = state(3, 5);
    assert.equal(code(() => cluster.createTopic({ name: 'a', partitions: 1, replicationFactor: 1 })), 0);
    assert.equal(code(() => cluster.createTopic({ name: 'a', partitions: 1, replicationFactor: 1 })), 36);
    assert.equal(code(() => cluster.createTopic({ name: '..', partitions: 1, replicationFactor: 1 })), 17);
    assert.equal(code(() => cluster.createTopic({ name: 'b', partitions: -2, replicationFactor: 1 })), 37);
    assert.equal(code(() => cluster.createTopic({ name: 'b', partitions: 1, replicationFactor: 4 })), 38);
    assert.equal(code(() => cluster.createTopic({ name: 'b', partitions: 1, replicationFactor: 1, configs: new Map([['x', '1']]) })), 40);
    assert.equal(code(() => cluster.createTopic({ name: 'b', partitions: 5, replicationFactor: 1 })), 37);
    assert.equal(code(() => cluster.createTopic({ name: 'b', partitions: -1, replicationFactor: -1, assignments: [[1, 1]] })), 39);
    assert.deepEqual(
      ['', 'a'.repeat(250), 'sp ace', 'ok.name_-1'].map(invalidTopicNameReason).map((reason) => reason === null),
      [false, false, false, true],
    );
    assert.match(randomKafkaUuid(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('moves leaders with epoch bumps, notifying watchers, and deletes topics', () => {
    const cluster = state();
    const topic = cluster.createTopic({ name: 'moves', partitions: 1, replicationFactor: 1 });
    const partition = topic.partitions[0]!;
    let changes = 0;
    const stop = partition.watch(() => changes++);
    cluster.setLeader('moves', 0, 3);
    cluster.setLeader('moves', 0, -1);
    assert.deepEqual([partition.leader, partition.leaderEpoch, partition.replicas, partition.isr, changes], [-1, 2, [1, 3], [1, 3], 2]);
    // Epoch 1 starts where epoch 0 did (nothing was written), so it replaces it; no leader, no epoch entry.
    assert.deepEqual(partition.log.epochHistory(), [{ epoch: 1, startOffset: 0 }]);
    assert.throws(() => cluster.setLeader('moves', 1, 1), /no partition moves-1/);
    assert.throws(() => cluster.setLeader('moves', 0, 9), /no broker 9/);
    const deleted: string[] = [];
    cluster.onTopicDeleted = (name) => deleted.push(name);
    cluster.deleteTopic(topic);
    stop();
    assert.deepEqual([topic.deleted, cluster.topic('moves'), cluster.topicById(topic.id), changes, deleted], [true, undefined, undefined, 3, ['moves']]);
  });

  it('hashes coordinators onto the brokers, moving only the keys of a down broker, unless pinned', () => {
    const cluster = state();
    // Java's "orders".hashCode() is -1008770331: partition 31 of 50, led by broker 31 % 3 + 1 = 2.
    assert.equal(cluster.coordinatorFor('group', 'orders'), 2);
    // "x" hashes to 120: partition 20, led by broker 20 % 3 + 1 = 3.
    assert.equal(cluster.coordinatorFor('group', 'x'), 3);
    cluster.brokers[1]!.up = false;
    // Partition 31 moves to the live brokers [1, 3]: 31 % 2 = 1, broker 3; "x" stays.
    assert.equal(cluster.coordinatorFor('group', 'orders'), 3);
    assert.equal(cluster.coordinatorFor('group', 'x'), 3);
    cluster.pinCoordinator('group', 'orders', 2);
    assert.equal(cluster.coordinatorFor('group', 'orders'), 2);
    assert.equal(cluster.coordinatorFor('transaction', 'orders'), 3);
    cluster.pinCoordinator('group', 'orders', -1);
    assert.equal(cluster.coordinatorFor('group', 'orders'), 3);
    for (const broker of cluster.brokers) broker.up = false;
    assert.equal(cluster.coordinatorFor('group', 'orders'), -1);
    assert.deepEqual([cluster.allocateProducerId(), cluster.allocateProducerId()], [0, 1]);
  });
});
