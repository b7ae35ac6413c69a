import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { KafkaConnectionError, KafkaProtocolError, KafkaStateError } from '../../../src/protocol/errors.js';
import { Metadata } from '../../../src/protocol/generated/metadata.js';
import { connectTo } from './fixtures.js';

/** Resolves with the error code of a connection attempt ('connected' when it succeeds). */
async function tryConnect(port: number): Promise<string> {
  const socket = connect({ port, host: '127.0.0.1' });
  try {
    await once(socket, 'connect');
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  } finally {
    socket.destroy();
  }
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  return port;
}

describe('MockCluster', () => {
  it('starts brokers on the given ports and stops idempotently', async () => {
    const free = await freePort();
    const cluster = await MockCluster.start({ brokers: 2, ports: [free, 0] });
    assert.equal(cluster.brokers[0]!.port, free);
    assert.equal(cluster.bootstrapServers, `127.0.0.1:${free},127.0.0.1:${cluster.brokers[1]!.port}`);
    assert.deepEqual(cluster.brokers.map((broker) => [broker.id, broker.up]), [
      [1, true],
      [2, true],
    ]);
    assert.equal(cluster.asVersion, '4.0');
    await Promise.all([cluster.stop(), cluster.stop()]);
    assert.equal(await tryConnect(free), 'ECONNREFUSED');
    await assert.rejects(cluster.brokerDown(1), KafkaStateError);
    await assert.rejects(cluster.createTopic('late'), /stopped/);
  });

  it('fails to start, and releases its ports, when a port is taken', async () => {
    const free = await freePort();
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const started = MockCluster.start({ brokers: 2, ports: [free, port] });
    await assert.rejects(started, (error: unknown) => error instanceof KafkaConnectionError && /broker 2 cannot listen/.test(error.message));
    assert.equal(await tryConnect(free), 'ECONNREFUSED');
    taken.close();
    await once(taken, 'close');
  });

  it('takes a broker down (connections closed and refused) and brings it back on the same port', async () => {
    const cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 't', partitions: 2 }] });
    const port = cluster.brokers[1]!.port;
    const client = await connectTo(cluster, 2);
    await cluster.brokerDown(2);
    await client.closed;
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    assert.equal(cluster.brokers[1]!.up, false);
    assert.equal(cluster.partitionState('t', 1)!.leader, 2, 'leadership stays');
    await cluster.brokerUp(2);
    const again = await connectTo(cluster, 2);
    assert.equal((await again.send(Metadata, 9, { topics: null })).brokers.length, 2);
    await cluster.dropConnections(2);
    await again.closed;
    assert.equal(await tryConnect(port), 'connected');
    await assert.rejects(cluster.brokerUp(7), /no broker 7/);
    await cluster.stop();
  });

  it('delays answers by the rtt, and applies injected delays and connection drops', async () => {
    const cluster = await MockCluster.start({ brokers: 1 });
    const client = await connectTo(cluster, 1);
    await cluster.setRtt(-1, 200);
    let started = Date.now();
    await client.send(Metadata, 9, { topics: null });
    assert.ok(Date.now() - started >= 195, `took ${Date.now() - started} ms`);
    await cluster.setRtt(1, 0);
    await cluster.pushBrokerRequestErrors(1, 3, [{ code: 0, rttMs: 200 }, { code: -195 }]);
    assert.equal(cluster.pendingRequestErrors(1, 3), 2);
    started = Date.now();
    assert.equal((await client.send(Metadata, 9, { topics: null })).brokers.length, 1);
    assert.ok(Date.now() - started >= 195, `took ${Date.now() - started} ms`);
    await assert.rejects(client.send(Metadata, 9, { topics: null }), /connection closed/);
    assert.equal(cluster.pendingRequestErrors(1, 3), 0);
    await cluster.pushRequestErrors(3, [6, 6]);
    await cluster.clearRequestErrors(3);
    assert.equal(cluster.pendingRequestErrors(1, 3), 0);
    await cluster.stop();
  });

  it('creates and deletes topics with Kafka\'s refusals, and validates controls', async () => {
    const cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'one', partitions: 2, configs: { 'cleanup.policy': 'compact' } }] });
    await assert.rejects(cluster.createTopic('one'), (error: unknown) => error instanceof KafkaProtocolError && error.errorName === 'TOPIC_ALREADY_EXISTS');
    await assert.rejects(cluster.createTopic('two', { replicationFactor: 4 }), /INVALID_REPLICATION_FACTOR/);
    await cluster.createTopic('two', { partitions: 3, replicationFactor: 1 });
    assert.deepEqual(cluster.topicNames(), ['one', 'two']);
    await cluster.deleteTopic('two');
    await assert.rejects(cluster.deleteTopic('two'), /UNKNOWN_TOPIC_OR_PARTITION/);
    await assert.rejects(cluster.setLeader('one', 5, 1), /no partition one-5/);
    await assert.rejects(cluster.setCoordinator('share' as never, 'k', 1), /coordinator type/);
    await assert.rejects(cluster.setRtt(4, 10), /no broker 4/);
    await assert.rejects(cluster.pushRequestErrors(0, [1.5]), /error code/);
    await cluster.stop();
  });
});
