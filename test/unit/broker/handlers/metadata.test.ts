import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { Metadata, type MetadataResponse } from '../../../../src/protocol/generated/metadata.js';
import { ZERO_UUID } from '../../../../src/protocol/primitives/uuid.js';
import { connectTo } from '../fixtures.js';

/** A topic's partitions as [index, leader, epoch, replicas, isr, errorCode]. */
function partitionsOf(response: MetadataResponse, topic: string): Array<[number, number, number, number[], number[], number]> {
  const found = response.topics.find((candidate) => candidate.name === topic);
  assert.ok(found, `no ${topic} in the answer`);
  return found.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes, p.errorCode]);
}

describe('Metadata', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({
      brokers: 3,
      autoCreateTopics: true,
      defaultPartitions: 2,
      topics: [
        { name: 'alpha', partitions: 4 },
        { name: 'beta', partitions: 1, replicationFactor: 1 },
      ],
    });
  });
  after(() => cluster.stop());

  it('lists brokers, cluster id, controller and every topic in v0 through v12', async () => {
    const client = await connectTo(cluster, 2);
    const brokers = cluster.brokers.map((broker) => ({ nodeId: broker.id, host: broker.host, port: broker.port, rack: null }));
    for (let version = 0; version <= 12; version++) {
      const response = await client.send(Metadata, version, version === 0 ? { topics: [] } : { topics: null });
      const expectedBrokers = brokers.map((broker) => (version >= 1 ? broker : { ...broker, rack: null }));
      assert.deepEqual(response.brokers, expectedBrokers, `v${version} brokers`);
      assert.equal(response.clusterId, version >= 2 ? cluster.clusterId : null, `v${version} cluster id`);
      assert.equal(response.controllerId, version >= 1 ? 1 : -1, `v${version} controller`);
      assert.deepEqual(response.topics.map((topic) => topic.name).sort(), ['alpha', 'beta']);
      const epoch = version >= 7 ? 0 : -1;
      assert.deepEqual(partitionsOf(response, 'alpha'), [
        [0, 1, epoch, [1, 2, 3], [1, 2, 3], 0],
        [1, 2, epoch, [2, 3, 1], [2, 3, 1], 0],
        [2, 3, epoch, [3, 1, 2], [3, 1, 2], 0],
        [3, 1, epoch, [1, 2, 3], [1, 2, 3], 0],
      ]);
      assert.deepEqual(partitionsOf(response, 'beta'), [[0, 1, epoch, [1], [1], 0]]);
      const alpha = response.topics.find((topic) => topic.name === 'alpha')!;
      assert.equal(alpha.topicId === ZERO_UUID, version < 10, `v${version} topic id`);
      assert.equal(alpha.topicAuthorizedOperations, -2147483648);
    }
    await client.close();
  });

  it('answers unknown and invalid names, and creates a topic when both sides allow it', async () => {
    const client = await connectTo(cluster, 1);
    const refused = await client.send(Metadata, 9, { topics: [{ name: 'not-created' }, { name: 'bad name!' }], allowAutoTopicCreation: false });
    assert.deepEqual(
      refused.topics.map((topic) => [topic.name, topic.errorCode, topic.partitions.length]),
      [
        ['not-created', 3, 0],
        ['bad name!', 17, 0],
      ],
    );
    assert.equal(cluster.partitionState('not-created', 0), undefined);

    const first = await client.send(Metadata, 9, { topics: [{ name: 'made-on-demand' }], allowAutoTopicCreation: true });
    assert.deepEqual(first.topics.map((topic) => [topic.name, topic.errorCode, topic.partitions.length]), [['made-on-demand', 5, 0]]);
    const second = await client.send(Metadata, 9, { topics: [{ name: 'made-on-demand' }], allowAutoTopicCreation: true });
    assert.deepEqual(partitionsOf(second, 'made-on-demand'), [
      [0, 1, 0, [1, 2, 3], [1, 2, 3], 0],
      [1, 2, 0, [2, 3, 1], [2, 3, 1], 0],
    ]);
    // Before v4 every Metadata request could create topics.
    const old = await client.send(Metadata, 3, { topics: [{ name: 'made-by-v3' }] });
    assert.equal(old.topics[0]!.errorCode, 5);
    assert.notEqual(cluster.partitionState('made-by-v3', 1), undefined);
    await client.close();
  });

  it('looks topics up by id in v12 and reports ids it does not know', async () => {
    const client = await connectTo(cluster, 1);
    const all = await client.send(Metadata, 12, { topics: null });
    const alphaId = all.topics.find((topic) => topic.name === 'alpha')!.topicId;
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const byId = await client.send(Metadata, 12, { topics: [{ topicId: alphaId, name: null }, { topicId: unknownId, name: null }] });
    assert.deepEqual(
      byId.topics.map((topic) => [topic.name, topic.topicId, topic.errorCode, topic.partitions.length]),
      [
        ['alpha', alphaId, 0, 4],
        [null, unknownId, 100, 0],
      ],
    );
    await client.close();
  });

  it('reports authorized operations when asked (v8+) and moved leaders with their epoch', async () => {
    const client = await connectTo(cluster, 3);
    const withOperations = await client.send(Metadata, 10, { topics: [{ name: 'beta' }], includeTopicAuthorizedOperations: true, includeClusterAuthorizedOperations: true });
    assert.equal(withOperations.topics[0]!.topicAuthorizedOperations, 3576);
    assert.equal(withOperations.clusterAuthorizedOperations, 8096);

    await cluster.setLeader('alpha', 2, 1);
    await cluster.setLeader('alpha', 3, -1);
    const moved = await client.send(Metadata, 12, { topics: [{ name: 'alpha' }] });
    assert.deepEqual(partitionsOf(moved, 'alpha').slice(2), [
      [2, 1, 1, [3, 1, 2], [3, 1, 2], 0],
      [3, -1, 1, [1, 2, 3], [1, 2, 3], 5],
    ]);
    await client.close();
  });

  it('answers pushed errors for every requested topic', async () => {
    const client = await connectTo(cluster, 1);
    await cluster.pushRequestErrors(3, [7]);
    const failed = await client.send(Metadata, 9, { topics: [{ name: 'alpha' }, { name: 'beta' }] });
    assert.deepEqual(
      failed.topics.map((topic) => [topic.name, topic.errorCode]),
      [
        ['alpha', 7],
        ['beta', 7],
      ],
    );
    const normal = await client.send(Metadata, 9, { topics: [{ name: 'alpha' }] });
    assert.equal(normal.topics[0]!.errorCode, 0);
    await client.close();
  });
});
