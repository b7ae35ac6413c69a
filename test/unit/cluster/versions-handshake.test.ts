/**
 * The ApiVersions handshake and the pre-0.10 fallback, against scripted brokers over loopback
 * sockets: UNSUPPORTED_VERSION answers (Kafka's v0 format and a garbled one), brokers that close
 * the connection on ApiVersions (0.9 and 0.8.x), version pins, and missing APIs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { KafkaConnectionError, KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import { DescribeGroups, Metadata } from '../../../src/protocol/generated/index.js';
import { advertise, ScriptedBroker, selfMetadata, unsupportedApiVersionsV0, type ScriptedRequest } from './scripted-broker.js';

const brokers: ScriptedBroker[] = [];
const clients: KafkaClient[] = [];

async function scripted(...args: Parameters<typeof ScriptedBroker.start>): Promise<ScriptedBroker> {
  const broker = await ScriptedBroker.start(...args);
  brokers.push(broker);
  broker.handlers.Metadata ??= selfMetadata(broker);
  return broker;
}

function clientFor(broker: ScriptedBroker, options: Partial<ConstructorParameters<typeof KafkaClient>[0]> = {}): KafkaClient {
  const client = new KafkaClient({ bootstrapServers: broker.address, logLevel: 'silent', reconnectBackoffMs: 10, retryBackoffMs: 10, ...options });
  clients.push(client);
  return client;
}

function sequence(requests: readonly ScriptedRequest[]): string[] {
  return requests.map((request) => `${request.api} v${request.apiVersion} #${request.connection}`);
}

after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(brokers.map((broker) => broker.close()));
});

describe('ApiVersions handshake', () => {
  it('sends the newest ApiVersions with client software name and version, and the client id', async () => {
    const broker = await scripted({ ApiVersions: advertise({ ApiVersions: [0, 4], Metadata: [0, 12] }) });
    const info = await clientFor(broker).apiVersions();
    const [handshake] = broker.requestsOf('ApiVersions');
    assert.equal(handshake?.apiVersion, 4);
    assert.equal(handshake?.clientId, 'kafkats');
    assert.deepEqual(handshake?.body, { clientSoftwareName: 'kafkats', clientSoftwareVersion: '0.1.0' });
    assert.deepEqual(info.source, { kind: 'api-versions', version: 4 });
    assert.deepEqual(
      info.apis.map((row) => [row.api, row.brokerMin, row.brokerMax, row.clientMin, row.clientMax, row.chosen]),
      [
        ['Metadata', 0, 12, 0, 12, 12],
        ['ApiVersions', 0, 4, 0, 4, 4],
      ],
    );
    assert.equal(broker.requestsOf('Metadata')[0]?.apiVersion, 12);
  });

  it('retries at the broker\'s highest ApiVersions version after UNSUPPORTED_VERSION in the v0 format', async () => {
    const broker = await scripted({
      ApiVersions: (request) =>
        request.apiVersion > 2 ? { raw: unsupportedApiVersionsV0(0, 2) } : { response: { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 7 }] } },
    });
    const info = await clientFor(broker).apiVersions();
    assert.deepEqual(sequence(broker.requests), ['ApiVersions v4 #0', 'ApiVersions v2 #0', 'Metadata v7 #0']);
    assert.deepEqual(info.source, { kind: 'api-versions', version: 2 });
    assert.equal(info.apis.find((row) => row.api === 'Metadata')?.chosen, 7);
  });

  it('steps down to ApiVersions v2 when the UNSUPPORTED_VERSION answer cannot be read (as librdkafka\'s mock sends it)', async () => {
    const garbled = Buffer.from('00230100120000000200000000', 'hex');
    const broker = await scripted({
      ApiVersions: (request) => (request.apiVersion > 2 ? { raw: garbled } : { response: { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 2 }] } }),
    });
    const info = await clientFor(broker).apiVersions();
    assert.deepEqual(sequence(broker.requests), ['ApiVersions v4 #0', 'ApiVersions v2 #0', 'Metadata v2 #0']);
    assert.deepEqual(info.source, { kind: 'api-versions', version: 2 });
  });

  it('uses the maxApiVersions pins: min(ours, the broker\'s, the pin)', async () => {
    const broker = await scripted({ ApiVersions: advertise({ ApiVersions: [0, 3], Metadata: [0, 12], Produce: [0, 9] }) });
    const client = clientFor(broker, { maxApiVersions: { Metadata: 1, Produce: 11, ApiVersions: 2 } });
    const info = await client.apiVersions();
    assert.equal(broker.requestsOf('ApiVersions')[0]?.apiVersion, 2);
    assert.equal(broker.requestsOf('Metadata')[0]?.apiVersion, 1);
    const rows = new Map(info.apis.map((row) => [row.api, row]));
    assert.deepEqual([rows.get('Metadata')?.pinned, rows.get('Metadata')?.chosen], [1, 1]);
    assert.deepEqual([rows.get('Produce')?.pinned, rows.get('Produce')?.chosen], [11, 9]);
    // A request can still name a version the broker supports above the pin.
    const response = await client.send('any', Metadata, { topics: [] }, { version: 5 });
    assert.equal(response.controllerId, 1);
    assert.equal(broker.requestsOf('Metadata').at(-1)?.apiVersion, 5);
  });

  it('fails with KafkaUnsupportedVersionError naming the API and the broker when the broker lacks the API', async () => {
    const broker = await scripted({ ApiVersions: advertise({ ApiVersions: [0, 3], Metadata: [0, 9], DescribeGroups: [0, 5] }) });
    const client = clientFor(broker);
    await client.connect();
    await assert.rejects(client.send('any', Metadata, { topics: [] }, { version: 11 }), (error: unknown) => {
      assert.ok(error instanceof KafkaUnsupportedVersionError);
      assert.equal(error.message, `Metadata v11 requested, but broker 1 (${broker.address}) supports v0-9`);
      return true;
    });
    broker.handlers.ApiVersions = advertise({ ApiVersions: [0, 3], Metadata: [0, 9] });
    const fresh = clientFor(broker);
    await assert.rejects(fresh.send('any', DescribeGroups, { groups: ['g'] }), (error: unknown) => {
      assert.ok(error instanceof KafkaUnsupportedVersionError);
      assert.equal(error.errorName, 'UNSUPPORTED_VERSION');
      assert.match(error.message, new RegExp(`^bootstrap server ${broker.address.replace(/\./g, '\\.')} does not support DescribeGroups \\(API key 15\\)$`));
      return true;
    });
  });
});

describe('brokers older than ApiVersions (0.8, 0.9)', () => {
  it('a broker that closes the connection on ApiVersions but answers ListGroups v0 is 0.9.0', async () => {
    const broker = await scripted({ ListGroups: () => ({ response: { errorCode: 0, groups: [] } }) });
    const client = clientFor(broker);
    assert.equal(await client.checkVersion(), '0.9.0');
    const info = await client.apiVersions();
    assert.deepEqual(info.source, { kind: 'legacy', release: '0.9.0' });
    const chosen = Object.fromEntries(info.apis.map((row) => [row.api, row.chosen]));
    assert.deepEqual(chosen, {
      Produce: 1, Fetch: 1, ListOffsets: 0, Metadata: 0, OffsetCommit: 2, OffsetFetch: 1, FindCoordinator: 0,
      JoinGroup: 0, Heartbeat: 0, LeaveGroup: 0, SyncGroup: 0, DescribeGroups: 0, ListGroups: 0,
    });
    // ApiVersions once (refused), the probe on a fresh connection, then Metadata v0 on another.
    assert.deepEqual(sequence(broker.requests), ['ApiVersions v4 #0', 'ListGroups v0 #1', 'Metadata v0 #2']);
    const view = await client.metadata();
    assert.deepEqual(view.brokers, [{ id: 1, host: '127.0.0.1', port: broker.port, rack: null }]);
    assert.equal(view.controllerId, null, 'Metadata v0 has no controller');
    assert.equal(broker.requestsOf('ApiVersions').length, 1, 'the probed table is reused, not renegotiated');
  });

  it('a broker answering only Metadata v0 is 0.8.0, found after refusing each newer probe', async () => {
    const broker = await scripted({});
    const client = clientFor(broker);
    assert.equal(await client.checkVersion(), '0.8.0');
    assert.deepEqual(sequence(broker.requests), [
      'ApiVersions v4 #0',
      'ListGroups v0 #1',
      'FindCoordinator v0 #2',
      'OffsetFetch v0 #3',
      'Metadata v0 #4',
      'Metadata v0 #5',
    ]);
    const rows = (await client.apiVersions()).apis;
    assert.deepEqual(rows.map((row) => [row.api, row.brokerMax]), [['Produce', 0], ['Fetch', 0], ['ListOffsets', 0], ['Metadata', 0]]);
  });

  it('a broker answering FindCoordinator v0 (but not ListGroups) is 0.8.2', async () => {
    const broker = await scripted({ FindCoordinator: () => ({ response: { errorCode: 15, nodeId: -1, host: '', port: -1 } }) });
    assert.equal(await clientFor(broker).checkVersion(), '0.8.2');
  });

  it('a peer that closes every connection is reported as not a Kafka broker', async () => {
    const broker = await scripted({ Metadata: () => 'close' });
    const client = clientFor(broker);
    await assert.rejects(client.send('any', Metadata, { topics: [] }), (error: unknown) => {
      assert.ok(error instanceof KafkaConnectionError);
      assert.match(error.message, /closed the connection on ApiVersions and on every request of Kafka 0\.8-0\.9: not a Kafka broker/);
      return true;
    });
    assert.deepEqual(broker.requests.map((request) => request.api), ['ApiVersions', 'ListGroups', 'FindCoordinator', 'OffsetFetch', 'Metadata']);
  });
});
