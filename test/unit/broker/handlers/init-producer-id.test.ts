import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { InitProducerId } from '../../../../src/protocol/generated/init-producer-id.js';
import { connectTo } from '../fixtures.js';

describe('InitProducerId', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2 });
  });
  after(() => cluster.stop());

  it('gives every idempotent producer a new id with epoch 0, from any broker', async () => {
    const first = await connectTo(cluster, 1);
    const second = await connectTo(cluster, 2);
    const answers = [
      await first.send(InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60_000 }),
      await second.send(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
      // Asking to bump an existing id without a transactional id still gets a new one, as in Kafka.
      await first.send(InitProducerId, 5, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: 1n, producerEpoch: 0 }),
    ];
    assert.deepEqual(
      answers.map((answer) => [answer.errorCode, answer.producerId, answer.producerEpoch]),
      [
        [0, 0n, 0],
        [0, 1n, 0],
        [0, 2n, 0],
      ],
    );
    await first.close();
    await second.close();
  });

  it('refuses transactional ids (transactions are not served) and half-given ids', async () => {
    const client = await connectTo(cluster, 1);
    const transactional = await client.send(InitProducerId, 4, { transactionalId: 'tx-1', transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.deepEqual([transactional.errorCode, transactional.producerId, transactional.producerEpoch], [53, -1n, -1]);
    const halfGiven = await client.send(InitProducerId, 3, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: 5n, producerEpoch: -1 });
    assert.equal(halfGiven.errorCode, 42);
    await client.close();
  });
});
