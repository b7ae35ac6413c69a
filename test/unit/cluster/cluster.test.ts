/**
 * Cluster internals against scripted brokers: bootstrap connections reused for the advertised
 * broker, coalesced and spaced metadata refreshes, periodic refresh while in use, falling back to
 * the bootstrap addresses, idle connections, routing errors, and close().
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';
import { Cluster } from '../../../src/cluster/cluster.js';
import { resolveCommonOptions, type CommonClientOptions } from '../../../src/cluster/options.js';
import { KafkaConnectionError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError, KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import { DescribeGroups, ListOffsets, Metadata } from '../../../src/protocol/generated/index.js';
import { waitFor } from '../../support/wait.js';
import { advertise, ScriptedBroker, selfMetadata, type ScriptedHandler } from './scripted-broker.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function scripted(nodeId = 1, topics: Parameters<typeof selfMetadata>[2] = []): Promise<ScriptedBroker> {
  const broker = await ScriptedBroker.start({ ApiVersions: advertise({ ApiVersions: [0, 3], Metadata: [0, 12], ListOffsets: [0, 7] }) });
  broker.handlers.Metadata = selfMetadata(broker, nodeId, topics);
  closers.push(() => broker.close());
  return broker;
}

function clusterFor(bootstrapServers: string, options: Partial<CommonClientOptions> = {}): Cluster {
  const cluster = new Cluster(resolveCommonOptions({ bootstrapServers, logLevel: 'silent', ...options }));
  closers.push(() => cluster.close());
  return cluster;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Metadata handler that records when each request arrived. */
function timedMetadata(broker: ScriptedBroker, arrivals: number[]): ScriptedHandler {
  const answer = selfMetadata(broker);
  return (request) => {
    arrivals.push(performance.now());
    return answer(request);
  };
}

describe('Cluster', () => {
  it('turns the bootstrap connection into the advertised broker\'s connection', async () => {
    const broker = await scripted(4);
    const cluster = clusterFor(broker.address);
    await cluster.refreshMetadata();
    const channel = await cluster.route({ broker: 4 });
    assert.equal(channel.node.id, 4);
    await cluster.route('any');
    await channel.send(Metadata, { topics: [] });
    assert.equal(broker.connectionCount, 1, 'one connection: the bootstrap one, adopted');
    assert.equal(broker.requestsOf('ApiVersions').length, 1);
  });

  it('picks versions per broker: min(ours, the broker\'s, the pin), or an error naming API and broker', async () => {
    const broker = await scripted(3);
    const cluster = clusterFor(broker.address, { maxApiVersions: { Metadata: 6 } });
    await cluster.refreshMetadata();
    assert.equal(await cluster.pick(ListOffsets, 3), 7);
    assert.equal(await cluster.pick(Metadata, 3), 6);
    await assert.rejects(cluster.pick(DescribeGroups, 3), (error: unknown) => {
      assert.ok(error instanceof KafkaUnsupportedVersionError);
      assert.equal(error.message, `broker 3 (${broker.address}) does not support DescribeGroups (API key 15)`);
      return true;
    });
  });

  it('coalesces concurrent refreshes into one Metadata request', async () => {
    const broker = await scripted();
    const cluster = clusterFor(broker.address);
    await cluster.refreshMetadata();
    const before = broker.requestsOf('Metadata').length;
    await Promise.all([cluster.refreshMetadata(), cluster.refreshMetadata(), cluster.refreshMetadata({ topics: [] }), cluster.refreshMetadata()]);
    assert.equal(broker.requestsOf('Metadata').length - before, 1);
    // A refresh asking for a topic the running one lacks waits for the next request, with the union.
    const first = cluster.refreshMetadata({ topics: ['a'] });
    const second = cluster.refreshMetadata({ topics: ['b'] });
    const third = cluster.refreshMetadata({ topics: ['c'] });
    await Promise.all([first, second, third]);
    const bodies = broker.requestsOf('Metadata').slice(before + 1).map((request) => (request.body as { topics: { name: string }[] }).topics.map((topic) => topic.name));
    assert.deepEqual(bodies, [['a'], ['a', 'b', 'c']]);
  });

  it('spaces forced refreshes by the retry backoff', async () => {
    const broker = await scripted();
    const arrivals: number[] = [];
    broker.handlers.Metadata = timedMetadata(broker, arrivals);
    const cluster = clusterFor(broker.address, { retryBackoffMs: 200, retryBackoffMaxMs: 200 });
    await cluster.refreshMetadata();
    await cluster.refreshMetadata({ forced: true });
    await cluster.refreshMetadata({ forced: true });
    assert.equal(arrivals.length, 3);
    // 200 ms minus 20% jitter, minus timer granularity.
    assert.ok(arrivals[1]! - arrivals[0]! >= 155, `gap ${arrivals[1]! - arrivals[0]!} ms`);
    assert.ok(arrivals[2]! - arrivals[1]! >= 155, `gap ${arrivals[2]! - arrivals[1]!} ms`);
  });

  it('refreshes in the background once the metadata is older than metadataMaxAgeMs, when used', async () => {
    const broker = await scripted(1, [{ errorCode: 0, name: 't', partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] }]);
    const cluster = clusterFor(broker.address, { metadataMaxAgeMs: 50 });
    await cluster.route({ leaderOf: { topic: 't', partition: 0 } });
    assert.equal(broker.requestsOf('Metadata').length, 1);
    await waitFor(() => performance.now() - cluster.metadata.updatedAt! > 60, { what: 'the metadata to age' });
    await cluster.route({ leaderOf: { topic: 't', partition: 0 } });
    const refresh = await broker.waitForRequest((request) => request.api === 'Metadata' && broker.requestsOf('Metadata').indexOf(request) === 1);
    assert.deepEqual((refresh.body as { topics: { name: string }[] }).topics.map((topic) => topic.name), ['t'], 'asks for the topics in use');
  });

  it('falls back to the bootstrap addresses when every advertised broker is unreachable', async () => {
    const broker = await scripted();
    const deadPort = await closedPort();
    broker.handlers.Metadata = () => ({ response: { brokers: [{ nodeId: 5, host: '127.0.0.1', port: deadPort, rack: null }], clusterId: 'c', controllerId: 5, topics: [] } });
    const cluster = clusterFor(broker.address, { reconnectBackoffMs: 10, reconnectBackoffMaxMs: 10 });
    await cluster.refreshMetadata();
    assert.deepEqual([...cluster.metadata.brokers.keys()], [5]);
    const before = broker.requestsOf('Metadata').length;
    await cluster.fetchMetadata([]);
    assert.equal(broker.requestsOf('Metadata').length, before + 1, 'answered through the bootstrap address');
  });

  it('closes connections idle for connectionsMaxIdleMs and reconnects on the next request', async () => {
    const broker = await scripted();
    const cluster = clusterFor(broker.address, { connectionsMaxIdleMs: 100 });
    const channel = await cluster.route('any');
    await channel.send(Metadata, { topics: [] });
    await waitFor(() => channel.connection.isClosed, { what: 'the idle connection to close', timeoutMs: 5000 });
    const next = await cluster.route('any');
    assert.notEqual(next.connection, channel.connection);
    await next.send(Metadata, { topics: [] });
    assert.equal(broker.connectionCount, 2);
  });

  it('routes to the controller and reports routing problems as typed errors', async () => {
    const broker = await scripted(2, [
      { errorCode: 0, name: 'ok', partitions: [{ partitionIndex: 0, leaderId: 2, replicaNodes: [2], isrNodes: [2] }, { partitionIndex: 1, leaderId: -1, replicaNodes: [2], isrNodes: [] }] },
      { errorCode: 29, name: 'secret', partitions: [] },
    ]);
    const cluster = clusterFor(broker.address);
    assert.equal((await cluster.route('controller')).node.id, 2);
    assert.equal((await cluster.route({ leaderOf: { topic: 'ok', partition: 0 } })).node.id, 2);
    const routed = async (topic: string, partition: number) => {
      try {
        await cluster.route({ leaderOf: { topic, partition } });
      } catch (error) {
        assert.ok(error instanceof KafkaProtocolError, String(error));
        return [error.errorName, error.retriable, error.location?.topic, error.location?.partition];
      }
      assert.fail('routed');
    };
    assert.deepEqual(await routed('ok', 1), ['LEADER_NOT_AVAILABLE', true, 'ok', 1]);
    assert.deepEqual(await routed('ok', 7), ['UNKNOWN_TOPIC_OR_PARTITION', true, 'ok', 7]);
    assert.deepEqual(await routed('secret', 0), ['TOPIC_AUTHORIZATION_FAILED', false, 'secret', undefined]);
    await assert.rejects(cluster.route({ leaderOf: { topic: '', partition: 0 } }), KafkaInvalidArgumentError);
    await assert.rejects(cluster.route({ leaderOf: { topic: 'ok', partition: -1 } }), KafkaInvalidArgumentError);
  });

  it('fails waiting calls and later calls with KafkaStateError after close()', async () => {
    const broker = await scripted();
    broker.handlers.Metadata = () => 'ignore';
    const cluster = clusterFor(broker.address);
    const waiting = cluster.refreshMetadata();
    await broker.waitForRequest((request) => request.api === 'Metadata');
    await cluster.close();
    // The request in flight fails as every request on a closed connection does.
    await assert.rejects(waiting, (error: unknown) => error instanceof KafkaConnectionError && error.message === `connection closed by the client (${broker.address})`);
    await assert.rejects(cluster.route('any'), KafkaStateError);
    await assert.rejects(cluster.refreshMetadata(), KafkaStateError);
    await assert.rejects(cluster.withRetries(async () => 1), KafkaStateError);
    assert.equal(cluster.closed, true);
  });
});
