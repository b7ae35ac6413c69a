import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { CreateTopics, type CreateTopicsResponse } from '../../../../src/protocol/generated/create-topics.js';
import { DeleteTopics } from '../../../../src/protocol/generated/delete-topics.js';
import { ZERO_UUID } from '../../../../src/protocol/primitives/uuid.js';
import { connectTo } from '../fixtures.js';

function creatable(name: string, numPartitions: number, replicationFactor: number, extra: object = {}) {
  return { name, numPartitions, replicationFactor, assignments: [], configs: [], ...extra };
}

function results(response: CreateTopicsResponse): Array<[string, number, number, number]> {
  return response.topics.map((topic) => [topic.name, topic.errorCode, topic.numPartitions, topic.replicationFactor]);
}

describe('CreateTopics and DeleteTopics', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, defaultPartitions: 2, topics: [{ name: 'existing', partitions: 1 }] });
  });
  after(() => cluster.stop());

  it('creates topics with counts, defaults, manual assignments and configs, reporting them (v5+)', async () => {
    const client = await connectTo(cluster, 2);
    const response = await client.send(CreateTopics, 7, {
      timeoutMs: 5000,
      topics: [
        creatable('counted', 3, 2, { configs: [{ name: 'retention.bytes', value: '4096' }] }),
        creatable('defaults', -1, -1),
        creatable('assigned', -1, -1, { assignments: [{ partitionIndex: 1, brokerIds: [3, 1] }, { partitionIndex: 0, brokerIds: [2, 3] }] }),
      ],
    });
    assert.deepEqual(results(response), [
      ['counted', 0, 3, 2],
      ['defaults', 0, 2, 3],
      ['assigned', 0, 2, 2],
    ]);
    const counted = response.topics[0]!;
    assert.notEqual(counted.topicId, ZERO_UUID);
    assert.deepEqual(
      counted.configs?.filter((config) => ['retention.bytes', 'cleanup.policy'].includes(config.name)).map((config) => [config.name, config.value, config.configSource]),
      [
        ['cleanup.policy', 'delete', 5],
        ['retention.bytes', '4096', 1],
      ],
    );
    assert.deepEqual(
      [0, 1, 2].map((partition) => cluster.partitionState('counted', partition)?.replicas),
      [
        [1, 2],
        [2, 3],
        [3, 1],
      ],
    );
    assert.deepEqual(cluster.partitionState('assigned', 1)?.replicas, [3, 1]);
    assert.equal(cluster.partitionState('assigned', 1)?.leader, 3);
    await client.close();
  });

  it('refuses what Kafka refuses, topic by topic', async () => {
    const client = await connectTo(cluster, 1);
    const response = await client.send(CreateTopics, 5, {
      timeoutMs: 5000,
      topics: [
        creatable('existing', 1, 1),
        creatable('twice', 1, 1),
        creatable('twice', 1, 1),
        creatable('bad/name', 1, 1),
        creatable('no-partitions', 0, 1),
        creatable('too-many-replicas', 1, 4),
        creatable('unknown-config', 1, 1, { configs: [{ name: 'no.such.config', value: '1' }] }),
        creatable('bad-config', 1, 1, { configs: [{ name: 'message.timestamp.type', value: 'Whenever' }] }),
        creatable('both', 2, 1, { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
        creatable('absent-broker', -1, -1, { assignments: [{ partitionIndex: 0, brokerIds: [9] }] }),
      ],
    });
    assert.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode]),
      [
        ['existing', 36],
        ['twice', 42],
        ['bad/name', 17],
        ['no-partitions', 37],
        ['too-many-replicas', 38],
        ['unknown-config', 40],
        ['bad-config', 40],
        ['both', 42],
        ['absent-broker', 39],
      ],
    );
    assert.equal(response.topics[0]!.errorMessage, "Topic 'existing' already exists.");
    assert.deepEqual(cluster.topicNames().filter((name) => ['twice', 'no-partitions', 'both'].includes(name)), []);
    const validated = await client.send(CreateTopics, 5, { timeoutMs: 5000, validateOnly: true, topics: [creatable('only-checked', 2, 1)] });
    assert.deepEqual(results(validated), [['only-checked', 0, 2, 1]]);
    assert.equal(cluster.partitionState('only-checked', 0), undefined);
    await client.close();
  });

  it('deletes topics by name (v0-v5) and by name or id (v6+)', async () => {
    const client = await connectTo(cluster, 3);
    await cluster.createTopic('doomed-1', { partitions: 1 });
    await cluster.createTopic('doomed-2', { partitions: 1 });
    const byName = await client.send(DeleteTopics, 4, { timeoutMs: 1000, topicNames: ['doomed-1', 'never-was'] });
    assert.deepEqual(
      byName.responses.map((result) => [result.name, result.errorCode]),
      [
        ['doomed-1', 0],
        ['never-was', 3],
      ],
    );
    const created = await client.send(CreateTopics, 7, { timeoutMs: 1000, topics: [creatable('doomed-3', 1, 1)] });
    const id = created.topics[0]!.topicId;
    const byId = await client.send(DeleteTopics, 6, {
      timeoutMs: 1000,
      topics: [
        { name: null, topicId: id },
        { name: 'doomed-2', topicId: ZERO_UUID },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
        { name: 'doomed-2', topicId: id },
      ],
    });
    assert.deepEqual(
      byId.responses.map((result) => [result.name, result.topicId, result.errorCode]),
      [
        ['doomed-3', id, 0],
        ['doomed-2', byId.responses[1]!.topicId, 0],
        [null, 'AAAAAAAAAAAAAAAAAAAAAQ', 100],
        ['doomed-2', id, 42],
      ],
    );
    assert.deepEqual(cluster.topicNames().filter((name) => name.startsWith('doomed')), []);
    await client.close();
  });
});
