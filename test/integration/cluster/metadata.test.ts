/**
 * KafkaClient against librdkafka's 3-broker mock cluster: metadata matches what kcat (librdkafka)
 * sees, negotiated versions match what the mock advertises, and the release inferred from them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { inferBrokerRelease } from '../../../src/cluster/releases.js';
import { KafkaAbortError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError, KafkaTimeoutError } from '../../../src/protocol/errors.js';
import { Metadata } from '../../../src/protocol/generated/index.js';
import { kcatMetadata } from '../../support/peers.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';

const TOPICS = [
  { name: 'orders', partitions: 6 },
  { name: 'payments', partitions: 3 },
  { name: 'single', partitions: 1 },
];

describe('KafkaClient on a 3-broker librdkafka mock', () => {
  let mock: RdkafkaMock;
  let client: KafkaClient;

  before(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: TOPICS });
    client = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    await client.connect();
  });
  after(async () => {
    await client?.close();
    await mock?.stop();
  });

  it('lists the same brokers, controller, topics, partitions, leaders, replicas and ISR as kcat -L', async () => {
    const moved = await client.metadata(['orders']);
    const leaderOf3 = moved.topics[0]!.partitions[3]!.leader;
    await mock.setLeader('orders', 3, leaderOf3 === 3 ? 1 : 3);

    const [view, kcat] = await Promise.all([client.metadata(), kcatMetadata(mock.bootstrapServers)]);
    assert.deepEqual(
      view.brokers.map(({ id, host, port }) => ({ id, host, port })),
      kcat.brokers,
    );
    assert.equal(view.brokers.length, 3);
    assert.equal(view.controllerId, kcat.controllerId);
    assert.deepEqual(
      view.topics.map((topic) => ({
        name: topic.name,
        error: topic.error,
        partitions: topic.partitions.map((partition) => ({
          partition: partition.partition,
          leader: partition.leader,
          replicas: partition.replicas,
          isrs: partition.isr,
          error: partition.error,
        })),
      })),
      kcat.topics,
    );
    assert.deepEqual(
      view.topics.map((topic) => [topic.name, topic.partitions.length]),
      [
        ['orders', 6],
        ['payments', 3],
        ['single', 1],
      ],
    );
    assert.equal(view.topics[0]!.partitions[3]!.leader, leaderOf3 === 3 ? 1 : 3);
    assert.match(view.clusterId ?? '', /^mockCluster/);
  });

  it('describes only the topics asked for, and reports a missing topic without creating it', async () => {
    const view = await client.metadata(['payments', 'no-such-topic']);
    assert.deepEqual(
      view.topics.map((topic) => [topic.name, topic.error, topic.partitions.length]),
      [
        ['no-such-topic', 'UNKNOWN_TOPIC_OR_PARTITION', 0],
        ['payments', null, 3],
      ],
    );
    const everything = await kcatMetadata(mock.bootstrapServers);
    assert.ok(!everything.topics.some((topic) => topic.name === 'no-such-topic'), 'the probe must not create topics');
  });

  it('negotiates exactly the ranges the mock advertises, choosing min(ours, theirs)', async () => {
    const info = await client.apiVersions();
    const advertised = await mock.apiVersions();
    assert.deepEqual(
      info.apis.map((row) => [row.apiKey, row.brokerMin, row.brokerMax]),
      [...advertised].sort(([a], [b]) => a - b).map(([key, range]) => [key, range.min, range.max]),
    );
    for (const row of info.apis) assert.equal(row.chosen, Math.min(row.brokerMax, row.clientMax!), row.api);
    // The mock knows ApiVersions v0-2 and garbles its UNSUPPORTED_VERSION answer: kafkats steps down to v2.
    assert.deepEqual(info.source, { kind: 'api-versions', version: 2 });
    assert.ok([1, 2, 3].includes(info.broker.id));
    const three = await client.apiVersions(3);
    assert.equal(three.broker.id, 3);
    assert.equal(three.broker.port, Number(mock.bootstrapServers.split(',')[2]!.split(':')[1]));
  });

  it('infers the release the table says for the mock\'s ranges, and follows narrowed ranges', async () => {
    assert.equal(await client.checkVersion(), '0.8.2');
    const details = await client.brokerRelease({ brokerId: 2 });
    assert.deepEqual(
      { release: details.release, exact: details.exact, missing: details.missingForNext, newest: details.newestFeature },
      {
        release: '0.8.2',
        exact: false,
        missing: { release: '0.9.0', apis: [
          { api: 'DescribeGroups', apiKey: 15, version: 0, brokerMax: null },
          { api: 'ListGroups', apiKey: 16, version: 0, brokerMax: null },
        ] },
        newest: { release: '2.7', api: 'InitProducerId', version: 4 },
      },
    );
    assert.equal(details.release, inferBrokerRelease(await mock.apiVersions()).release);

    // Without FindCoordinator the mock is a 0.8.1 broker, without OffsetCommit too a 0.8.0 one.
    await mock.setApiVersion(10, -1, -1);
    const narrowed = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    try {
      assert.equal(await narrowed.checkVersion(), '0.8.1');
    } finally {
      await narrowed.close();
    }
    await mock.setApiVersion(8, -1, -1);
    const older = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    try {
      assert.equal(await older.checkVersion(), '0.8.0');
    } finally {
      await older.close();
    }
    await mock.setApiVersion(10, 0, 2);
    await mock.setApiVersion(8, 0, 7);
  });

  it('sends any API typed by its descriptor, to any broker or a given one', async () => {
    const any = await client.send('any', Metadata, { topics: null });
    assert.equal(any.brokers.length, 3);
    const viaBroker = await client.send({ broker: 2 }, Metadata, { topics: [] }, { version: 1 });
    assert.deepEqual(viaBroker.topics, []);
    assert.equal(viaBroker.clusterId, null, 'Metadata v1 has no cluster id');
    await assert.rejects(client.send({ broker: 9 }, Metadata, { topics: [] }), (error: unknown) => {
      assert.ok(error instanceof KafkaInvalidArgumentError);
      assert.equal(error.message, 'broker 9 is not in the cluster metadata (brokers: 1, 2, 3)');
      return true;
    });
  });

  it('waits for a known controller: the mock names broker 0, which does not exist, so the wait times out', async () => {
    assert.equal((await client.metadata([])).controllerId, 0);
    const started = performance.now();
    await assert.rejects(client.send('controller', Metadata, { topics: [] }, { timeoutMs: 400 }), (error: unknown) => {
      assert.ok(error instanceof KafkaTimeoutError);
      assert.equal(error.message, 'finding the broker for Metadata did not succeed within 400 ms: NOT_CONTROLLER (Metadata): no controller is known');
      assert.ok(error.cause instanceof KafkaProtocolError && error.cause.errorName === 'NOT_CONTROLLER');
      return true;
    });
    assert.ok(performance.now() - started < 3000);
  });

  it('stops waiting as soon as the caller\'s signal fires', async () => {
    await assert.rejects(client.metadata(undefined, { signal: AbortSignal.abort() }), KafkaAbortError);
    await mock.setRtt(-1, 5_000);
    try {
      const controller = new AbortController();
      const started = performance.now();
      const pending = client.metadata(['orders'], { signal: controller.signal });
      const versions = client.apiVersions(1, { signal: controller.signal });
      const release = client.checkVersion({ brokerId: 2, signal: controller.signal });
      const sent = client.send('any', Metadata, { topics: [] }, { signal: controller.signal });
      controller.abort();
      for (const call of [pending, versions, release, sent]) await assert.rejects(call, KafkaAbortError);
      assert.ok(performance.now() - started < 2_000);
    } finally {
      await mock.setRtt(-1, 0);
    }
    assert.equal((await client.metadata(['orders'])).topics[0]?.partitions.length, 6);
  });

  it('fails every call with KafkaStateError after close()', async () => {
    const closing = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    await closing.connect();
    await closing.close();
    await closing.close();
    assert.equal(closing.closed, true);
    await assert.rejects(closing.metadata(), KafkaStateError);
    await assert.rejects(closing.send('any', Metadata, { topics: [] }), KafkaStateError);
    await assert.rejects(closing.apiVersions(), KafkaStateError);
    await assert.rejects(closing.checkVersion(), KafkaStateError);
    await assert.rejects(closing.connect(), KafkaStateError);
  });
});
