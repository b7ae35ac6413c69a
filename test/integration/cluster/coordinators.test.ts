/**
 * Group and transaction coordinators on librdkafka's 3-broker mock: FindCoordinator, and the retry
 * helper's handling of injected coordinator errors (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * COORDINATOR_NOT_AVAILABLE) on FindCoordinator and on requests to the coordinator.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../../src/cluster/cluster.js';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { KafkaProtocolError, throwIfError } from '../../../src/protocol/errors.js';
import { ApiKey, FindCoordinator, OffsetFetch, type OffsetFetchResponse } from '../../../src/protocol/generated/index.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';

const NOT_COORDINATOR = 16;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;

function offsetFetch(groupId: string) {
  return { groupId, topics: [{ name: 'offsets', partitionIndexes: [0] }] };
}

/** Throws the group-level error of an OffsetFetch response, as a client of the API would. */
function checkOffsetFetch(groupId: string) {
  return (response: OffsetFetchResponse) => throwIfError(response.errorCode, { groupId, apiName: 'OffsetFetch' });
}

describe('coordinators on a 3-broker librdkafka mock', () => {
  let mock: RdkafkaMock;
  let cluster: Cluster;

  before(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: 'offsets', partitions: 1 }] });
    cluster = new Cluster(resolveCommonOptions({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent', retryBackoffMs: 10, retryBackoffMaxMs: 50 }));
  });
  after(async () => {
    await cluster?.close();
    await mock?.stop();
  });

  it('finds group and transaction coordinators', async () => {
    await mock.setCoordinator('group', 'group-a', 3);
    await mock.setCoordinator('transaction', 'txn-a', 2);
    const [group, transaction] = await Promise.all([
      cluster.coordinators.find({ type: 'group', key: 'group-a' }),
      cluster.coordinators.find({ type: 'transaction', key: 'txn-a' }),
    ]);
    assert.equal(group.id, 3);
    assert.equal(transaction.id, 2);
    assert.equal(`${group.host}:${group.port}`, mock.bootstrapServers.split(',')[2]);

    const client = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    try {
      const response = await client.send({ coordinator: { type: 'transaction', key: 'txn-a' } }, FindCoordinator, { key: 'txn-a', keyType: 1 });
      assert.deepEqual([response.errorCode, response.nodeId], [0, 2]);
    } finally {
      await client.close();
    }
  });

  it('retries FindCoordinator through NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS and COORDINATOR_NOT_AVAILABLE', async () => {
    await mock.setCoordinator('group', 'group-b', 1);
    await mock.pushRequestErrors(ApiKey.FindCoordinator, [NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE]);
    const retried: string[] = [];
    const coordinator = { type: 'group', key: 'group-b' } as const;
    const node = await cluster.withRetries(
      async (attempt) => {
        attempt.usingCoordinator(coordinator);
        return (await cluster.route({ coordinator }, { signal: attempt.signal })).node;
      },
      { onRetry: (error) => retried.push(`${error.errorName} ${(error as KafkaProtocolError).location?.groupId}`), timeoutMs: 10_000 },
    );
    assert.equal(node.id, 1);
    assert.deepEqual(retried, ['NOT_COORDINATOR group-b', 'COORDINATOR_LOAD_IN_PROGRESS group-b', 'COORDINATOR_NOT_AVAILABLE group-b']);
  });

  it('finds the coordinator again after NOT_COORDINATOR from the old one, and keeps it through COORDINATOR_LOAD_IN_PROGRESS', async () => {
    const groupId = 'group-c';
    await mock.setCoordinator('group', groupId, 1);
    assert.equal((await cluster.coordinators.find({ type: 'group', key: groupId })).id, 1);
    // The group moves; the old coordinator says so once.
    await mock.setCoordinator('group', groupId, 2);
    await mock.pushBrokerRequestErrors(1, ApiKey.OffsetFetch, [{ code: NOT_COORDINATOR }]);
    await mock.pushBrokerRequestErrors(2, ApiKey.OffsetFetch, [{ code: COORDINATOR_LOAD_IN_PROGRESS }, { code: COORDINATOR_LOAD_IN_PROGRESS }]);

    const asked: number[] = [];
    const retried: string[] = [];
    const response = await cluster.sendWithRetries({ coordinator: { type: 'group', key: groupId } }, OffsetFetch, offsetFetch(groupId), {
      check: (answer, channel) => {
        asked.push(channel.node.id);
        checkOffsetFetch(groupId)(answer);
      },
      onRetry: (error) => retried.push(error.errorName),
      timeoutMs: 10_000,
    });
    assert.equal(response.errorCode, 0);
    assert.equal(response.topics[0]?.partitions[0]?.committedOffset, -1n);
    assert.deepEqual(asked, [1, 2, 2, 2]);
    assert.deepEqual(retried, ['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_LOAD_IN_PROGRESS']);
    assert.equal(cluster.coordinators.cached({ type: 'group', key: groupId })?.id, 2);
  });
});
