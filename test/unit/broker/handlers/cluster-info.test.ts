import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { CreateAcls } from '../../../../src/protocol/generated/create-acls.js';
import { DeleteAcls } from '../../../../src/protocol/generated/delete-acls.js';
import { DescribeAcls } from '../../../../src/protocol/generated/describe-acls.js';
import { DescribeCluster } from '../../../../src/protocol/generated/describe-cluster.js';
import { FindCoordinator } from '../../../../src/protocol/generated/find-coordinator.js';
import { connectTo } from '../fixtures.js';

/**
 * Which broker coordinates a key: partition abs(Java hash) % 50, led by broker (partition % 3) + 1,
 * or by a live broker (partition % live count) when that one is down.
 */
function expectedCoordinator(key: string, live: readonly number[]): number {
  let hash = 0;
  for (let index = 0; index < key.length; index++) hash = (Math.imul(hash, 31) + key.charCodeAt(index)) | 0;
  const partition = (hash === -0x80000000 ? 0 : Math.abs(hash)) % 50;
  const leader = (partition % 3) + 1;
  return live.includes(leader) ? leader : live[partition % live.length]!;
}

describe('DescribeCluster, FindCoordinator and the ACL APIs', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, clusterId: 'embedded-test-cluster' });
  });
  after(() => cluster.stop());

  it('describes the cluster and refuses controller endpoints', async () => {
    const client = await connectTo(cluster, 3);
    const response = await client.send(DescribeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.deepEqual(
      [response.errorCode, response.clusterId, response.controllerId, response.endpointType, response.clusterAuthorizedOperations],
      [0, 'embedded-test-cluster', 1, 1, 8096],
    );
    assert.deepEqual(
      response.brokers.map((broker) => [broker.brokerId, broker.host, broker.port]),
      cluster.brokers.map((broker) => [broker.id, broker.host, broker.port]),
    );
    const controllers = await client.send(DescribeCluster, 1, { endpointType: 2 });
    assert.equal(controllers.errorCode, 115);
    await client.close();
  });

  it('finds coordinators by Kafka\'s key hash, batched from v4, honouring pins and live brokers', async () => {
    const client = await connectTo(cluster, 1);
    const keys = ['orders', 'payments', 'group-a', 'group-b', 'x'];
    const batched = await client.send(FindCoordinator, 4, { keyType: 0, coordinatorKeys: keys });
    assert.deepEqual(
      batched.coordinators.map((coordinator) => [coordinator.key, coordinator.nodeId, coordinator.errorCode]),
      keys.map((key) => [key, expectedCoordinator(key, [1, 2, 3]), 0]),
    );
    const single = await client.send(FindCoordinator, 1, { key: 'orders', keyType: 0 });
    const port = cluster.brokers.find((broker) => broker.id === single.nodeId)!.port;
    assert.deepEqual([single.errorCode, single.errorMessage, single.port], [0, 'NONE', port]);

    await cluster.setCoordinator('group', 'orders', 3);
    await cluster.setCoordinator('transaction', 'orders', 2);
    const pinned = await client.send(FindCoordinator, 3, { key: 'orders', keyType: 0 });
    const pinnedTxn = await client.send(FindCoordinator, 3, { key: 'orders', keyType: 1 });
    assert.deepEqual([pinned.nodeId, pinnedTxn.nodeId], [3, 2]);

    await cluster.brokerDown(3);
    try {
      const down = await client.send(FindCoordinator, 3, { key: 'orders', keyType: 0 });
      assert.deepEqual([down.errorCode, down.nodeId, down.host, down.port], [15, -1, '', -1]);
      // group-a's partition (47) was led by broker 3 and moves; payments' (13, broker 2) stays.
      const rehashed = await client.send(FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['group-a', 'payments'] });
      assert.deepEqual(
        rehashed.coordinators.map((coordinator) => coordinator.nodeId),
        [expectedCoordinator('group-a', [1, 2]), expectedCoordinator('payments', [1, 2])],
      );
      assert.deepEqual(rehashed.coordinators.map((coordinator) => coordinator.nodeId), [2, 2]);
    } finally {
      await cluster.brokerUp(3);
    }
    const invalid = await client.send(FindCoordinator, 3, { key: 'orders', keyType: 5 });
    assert.equal(invalid.errorCode, 42);
    await client.close();
  });

  it('answers the ACL APIs with SECURITY_DISABLED, as a broker without an authorizer', async () => {
    const client = await connectTo(cluster, 2);
    const described = await client.send(DescribeAcls, 2, { resourceTypeFilter: 1, patternTypeFilter: 1, operation: 1, permissionType: 1 });
    assert.deepEqual([described.errorCode, described.errorMessage, described.resources], [54, 'No Authorizer is configured.', []]);
    const created = await client.send(CreateAcls, 2, {
      creations: [{ resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 }],
    });
    assert.deepEqual(created.results.map((result) => result.errorCode), [54]);
    const deleted = await client.send(DeleteAcls, 2, { filters: [{ resourceTypeFilter: 1, patternTypeFilter: 1, operation: 1, permissionType: 1 }] });
    assert.deepEqual(deleted.filterResults.map((result) => [result.errorCode, result.matchingAcls.length]), [[54, 0]]);
    await client.close();
  });
});
