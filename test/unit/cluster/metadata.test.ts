/**
 * The metadata cache: applying responses (all topics, some topics), leader epochs that must not go
 * backwards, brokers and controller, and the friendly view.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetadataCache, metadataView, describeNode } from '../../../src/cluster/metadata.js';
import type { MetadataResponse } from '../../../src/protocol/generated/index.js';
import { ZERO_UUID } from '../../../src/protocol/primitives/uuid.js';

type Topic = MetadataResponse['topics'][number];

function partition(index: number, leader: number, leaderEpoch: number, errorCode = 0): Topic['partitions'][number] {
  return { errorCode, partitionIndex: index, leaderId: leader, leaderEpoch, replicaNodes: [1, 2, 3], isrNodes: [leader, 1].filter((id, at, all) => all.indexOf(id) === at), offlineReplicas: [] };
}

function topic(name: string, partitions: Topic['partitions'], extra: Partial<Topic> = {}): Topic {
  return { errorCode: 0, name, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false, partitions, topicAuthorizedOperations: -2147483648, ...extra };
}

function response(topics: Topic[], extra: Partial<MetadataResponse> = {}): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [
      { nodeId: 1, host: 'k1', port: 9092, rack: 'a' },
      { nodeId: 2, host: 'k2', port: 9092, rack: null },
    ],
    clusterId: 'cluster-1',
    controllerId: 2,
    topics,
    clusterAuthorizedOperations: -2147483648,
    ...extra,
  };
}

describe('metadata cache', () => {
  it('stores brokers, controller, cluster id and topics from a response', () => {
    const cache = new MetadataCache();
    assert.equal(cache.populated, false);
    const change = cache.apply(response([topic('orders', [partition(1, 2, 5), partition(0, 1, 3)])]), 'all', 100);
    assert.deepEqual(change, { brokersChanged: true, staleEpochPartitions: 0 });
    assert.equal(cache.populated, true);
    assert.equal(cache.updatedAt, 100);
    assert.equal(cache.clusterId, 'cluster-1');
    assert.equal(cache.controllerId, 2);
    assert.deepEqual(cache.broker(1), { id: 1, host: 'k1', port: 9092, rack: 'a' });
    assert.deepEqual(cache.topic('orders')?.partitions.map((entry) => [entry.partition, entry.leader, entry.leaderEpoch]), [
      [0, 1, 3],
      [1, 2, 5],
    ]);
    assert.equal(cache.partition('orders', 1)?.leader, 2);
    assert.equal(cache.partition('orders', 7), undefined);
    assert.equal(cache.topic('orders')?.topicId, 'AAAAAAAAAAAAAAAAAAAAAQ');
  });

  it('replaces every topic on an all-topics response, and only the named ones otherwise', () => {
    const cache = new MetadataCache();
    cache.apply(response([topic('a', [partition(0, 1, 1)]), topic('b', [partition(0, 1, 1)])]), 'all', 1);
    cache.apply(response([topic('a', [partition(0, 2, 2)])]), ['a'], 2);
    assert.deepEqual([...cache.topics.keys()].sort(), ['a', 'b']);
    assert.equal(cache.partition('a', 0)?.leader, 2);
    cache.apply(response([topic('c', [partition(0, 1, 1)])]), 'all', 3);
    assert.deepEqual([...cache.topics.keys()], ['c']);
  });

  it('keeps a partition whose cached leader epoch is newer than the response\'s', () => {
    const cache = new MetadataCache();
    cache.apply(response([topic('t', [partition(0, 2, 7), partition(1, 1, 3)])]), ['t'], 1);
    const change = cache.apply(response([topic('t', [partition(0, 1, 6), partition(1, 2, 4)])]), ['t'], 2);
    assert.deepEqual(change, { brokersChanged: false, staleEpochPartitions: 1 });
    assert.deepEqual([cache.partition('t', 0)?.leader, cache.partition('t', 0)?.leaderEpoch], [2, 7]);
    assert.deepEqual([cache.partition('t', 1)?.leader, cache.partition('t', 1)?.leaderEpoch], [2, 4]);
    // Without epochs (Metadata v0-6) the response always wins.
    cache.apply(response([topic('u', [partition(0, 2, -1)])]), ['u'], 3);
    cache.apply(response([topic('u', [partition(0, 1, -1)])]), ['u'], 4);
    assert.equal(cache.partition('u', 0)?.leader, 1);
  });

  it('records topic errors, unknown controller and missing topic ids', () => {
    const cache = new MetadataCache();
    cache.apply(response([topic('gone', [], { errorCode: 3, topicId: ZERO_UUID })], { controllerId: -1 }), ['gone'], 1);
    assert.equal(cache.controllerId, null);
    assert.equal(cache.topic('gone')?.errorCode, 3);
    assert.equal(cache.topic('gone')?.topicId, null);
  });

  it('notices brokers that appear, leave or move', () => {
    const cache = new MetadataCache();
    cache.apply(response([]), 'all', 1);
    assert.equal(cache.apply(response([]), 'all', 2).brokersChanged, false);
    const moved = response([], { brokers: [{ nodeId: 1, host: 'k1', port: 9093, rack: 'a' }, { nodeId: 2, host: 'k2', port: 9092, rack: null }] });
    assert.equal(cache.apply(moved, 'all', 3).brokersChanged, true);
    assert.equal(cache.apply(response([], { brokers: [{ nodeId: 1, host: 'k1', port: 9093, rack: 'a' }] }), 'all', 4).brokersChanged, true);
    assert.deepEqual([...cache.brokers.keys()], [1]);
  });

  it('renders the friendly view sorted, with error names', () => {
    const view = metadataView(response([topic('z', [partition(1, 2, 0), partition(0, 1, 0, 9)]), topic('a', [], { errorCode: 3, topicId: ZERO_UUID })]));
    assert.deepEqual(view, {
      clusterId: 'cluster-1',
      controllerId: 2,
      brokers: [
        { id: 1, host: 'k1', port: 9092, rack: 'a' },
        { id: 2, host: 'k2', port: 9092, rack: null },
      ],
      topics: [
        { name: 'a', topicId: null, isInternal: false, error: 'UNKNOWN_TOPIC_OR_PARTITION', partitions: [] },
        {
          name: 'z',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          isInternal: false,
          error: null,
          partitions: [
            { partition: 0, leader: 1, leaderEpoch: 0, replicas: [1, 2, 3], isr: [1], offlineReplicas: [], error: 'REPLICA_NOT_AVAILABLE' },
            { partition: 1, leader: 2, leaderEpoch: 0, replicas: [1, 2, 3], isr: [2, 1], offlineReplicas: [], error: null },
          ],
        },
      ],
    });
    assert.equal(describeNode({ id: 3, host: '::1', port: 9092, rack: null }), 'broker 3 ([::1]:9092)');
    assert.equal(describeNode({ id: -1, host: 'k', port: 1, rack: null }), 'bootstrap server k:1');
  });
});
