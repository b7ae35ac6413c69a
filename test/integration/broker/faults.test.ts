/**
 * Every fault-injection control of the embedded cluster, each seen by a third-party client (kcat
 * or kafka-python) that then recovers. Written against the TestCluster interface, the controls
 * librdkafka's mock cluster shares.
 *
 * To act while a peer process is running, a test waits for an event it can observe: a request
 * reaching the broker, seen as a queued "answer normally" fault (code 0) being used up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestCluster } from '../../support/cluster-under-test.js';
import type { EmbeddedCluster } from '../../support/embedded-cluster.js';
import { kafkaPythonProduce, kcatApiVersions, kcatConsume, kcatMetadata, kcatProduce, type PeerRecord } from '../../support/peers.js';
import { runProcess } from '../../support/process.js';
import { waitFor } from '../../support/wait.js';

const PRODUCE = 0;
const FETCH = 1;
const METADATA = 3;
const NOT_LEADER_OR_FOLLOWER = 6;
const REQUEST_TIMED_OUT = 7;
const CLOSE_CONNECTION = -195;

describe('fault injection seen by third-party clients', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = (await startTestCluster('embedded', { brokers: 3 })) as EmbeddedCluster;
  });
  after(() => cluster.stop());

  /** The records of one partition, as kcat reads them: [offset, value]. */
  async function partitionValues(topic: string, partition: number): Promise<Array<[number, string]>> {
    const consumed = await kcatConsume(cluster.bootstrapServers, { topic, partition, exitAtEnd: true });
    return consumed.map((record) => [record.offset, record.value?.toString() ?? '']);
  }

  /** Resolves once `count` more requests of `apiKey` reached `brokerId` (queued "answer normally" faults used up). */
  async function requestsReached(brokerId: number, apiKey: number, count = 1): Promise<void> {
    await cluster.pushBrokerRequestErrors(brokerId, apiKey, Array.from({ length: count }, () => ({ code: 0 })));
    await waitFor(() => cluster.mock.pendingRequestErrors(brokerId, apiKey) === 0, { timeoutMs: 30_000, what: `${count} request(s) of API ${apiKey} at broker ${brokerId}` });
  }

  const bootstrapOf = (brokerId: number): string => {
    const broker = cluster.mock.brokers.find((candidate) => candidate.id === brokerId)!;
    return `${broker.host}:${broker.port}`;
  };

  it('brokerDown/brokerUp: kafka-python retries while the leader is down and every record lands once', async () => {
    await cluster.createTopic('down-up', 3);
    await cluster.brokerDown(2);
    const records: PeerRecord[] = Array.from({ length: 20 }, (_, index) => ({ key: `k${index}`, value: `v${index}`, partition: 1 }));
    const producing = kafkaPythonProduce(bootstrapOf(1), 'down-up', records, { config: { acks: 'all', retries: 20, retry_backoff_ms: 50, reconnect_backoff_ms: 50, reconnect_backoff_max_ms: 200 } });
    // The producer has learned (from broker 1) that broker 2 leads the partition, and cannot reach it.
    await requestsReached(1, METADATA);
    await cluster.brokerUp(2);
    const results = await producing;
    assert.deepEqual(
      results.map((result) => [result.error, result.partition, result.offset]),
      records.map((_, index) => [undefined, 1, index]),
    );
    assert.deepEqual(await partitionValues('down-up', 1), records.map((record, index) => [index, String(record.value)]));
  });

  it('pushRequestErrors: NOT_LEADER_OR_FOLLOWER on Produce is retried by kafka-python, appending once', async () => {
    await cluster.createTopic('not-leader', 1);
    await cluster.pushRequestErrors(PRODUCE, [NOT_LEADER_OR_FOLLOWER, NOT_LEADER_OR_FOLLOWER]);
    const results = await kafkaPythonProduce(cluster.bootstrapServers, 'not-leader', [{ value: 'retried', partition: 0 }], { config: { retries: 5, retry_backoff_ms: 20 } });
    assert.deepEqual(results.map((result) => [result.error, result.offset]), [[undefined, 0]]);
    assert.equal(cluster.mock.pendingRequestErrors(1, PRODUCE), 0);
    assert.deepEqual(await partitionValues('not-leader', 0), [[0, 'retried']]);
  });

  it('pushBrokerRequestErrors: delayed errors on the leader only, then success', async () => {
    await cluster.createTopic('broker-errors', 1);
    await cluster.pushBrokerRequestErrors(1, PRODUCE, [{ code: REQUEST_TIMED_OUT, rttMs: 100 }, { code: NOT_LEADER_OR_FOLLOWER, rttMs: 50 }]);
    const started = Date.now();
    const results = await kafkaPythonProduce(cluster.bootstrapServers, 'broker-errors', [{ value: 'third time', partition: 0 }], { config: { retries: 5, retry_backoff_ms: 20 } });
    assert.ok(Date.now() - started >= 150, `took ${Date.now() - started} ms`);
    assert.deepEqual(results.map((result) => [result.error, result.offset]), [[undefined, 0]]);
    assert.deepEqual(await partitionValues('broker-errors', 0), [[0, 'third time']]);
  });

  it('pushBrokerRequestErrors with code 0: one API key answered late but successfully, the others at once', async () => {
    await cluster.createTopic('late-produce', 1);
    await cluster.setLeader('late-produce', 0, 1);
    await cluster.pushBrokerRequestErrors(1, PRODUCE, [{ code: 0, rttMs: 600 }]);
    const started = Date.now();
    const producing = kcatProduce(cluster.bootstrapServers, 'late-produce', [{ value: 'late', partition: 0 }]);
    // While the Produce answer is held back, the same broker answers Metadata at once.
    await waitFor(() => cluster.mock.pendingRequestErrors(1, PRODUCE) === 0, { timeoutMs: 30_000, what: 'the delayed Produce request' });
    const listedAt = Date.now();
    const metadata = await kcatMetadata(bootstrapOf(1), { topic: 'late-produce' });
    const listedIn = Date.now() - listedAt;
    const deliveries = await producing;
    const producedIn = Date.now() - started;
    assert.deepEqual(metadata.topics.map((topic) => topic.name), ['late-produce']);
    assert.ok(producedIn >= 600, `the delivery report came after ${producedIn} ms`);
    assert.ok(listedIn < producedIn, `Metadata took ${listedIn} ms, the produce ${producedIn} ms`);
    assert.deepEqual(deliveries.map((delivery) => delivery.offset), [0]);
    assert.deepEqual(await partitionValues('late-produce', 0), [[0, 'late']]);
  });

  it('clearRequestErrors: cleared errors never reach the client', async () => {
    await cluster.createTopic('cleared', 1);
    await cluster.pushRequestErrors(PRODUCE, [NOT_LEADER_OR_FOLLOWER, NOT_LEADER_OR_FOLLOWER, NOT_LEADER_OR_FOLLOWER]);
    await cluster.clearRequestErrors(PRODUCE);
    const results = await kafkaPythonProduce(cluster.bootstrapServers, 'cleared', [{ value: 'first try', partition: 0 }], { config: { retries: 0 } });
    assert.deepEqual(results.map((result) => [result.error, result.offset]), [[undefined, 0]]);
  });

  it('a pushed -195 drops the connection: kcat reconnects and delivers exactly once', async () => {
    await cluster.createTopic('dropped', 1);
    await cluster.pushRequestErrors(PRODUCE, [CLOSE_CONNECTION]);
    const records: PeerRecord[] = [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }];
    const deliveries = await kcatProduce(cluster.bootstrapServers, 'dropped', records, { config: { 'retry.backoff.ms': 20 } });
    assert.deepEqual(deliveries.map((delivery) => delivery.offset), [0, 1]);
    assert.deepEqual(await partitionValues('dropped', 0), [
      [0, 'a'],
      [1, 'b'],
    ]);
  });

  it('setLeader: kcat follows a moved leader (epoch bumped) and keeps producing', async () => {
    await cluster.createTopic('moving', 2);
    const before = await kcatProduce(cluster.bootstrapServers, 'moving', [{ value: 'on 1', partition: 0 }]);
    assert.deepEqual(before, [{ partition: 0, offset: 0, broker: 1 }]);
    await cluster.setLeader('moving', 0, 3);
    const metadata = await kcatMetadata(cluster.bootstrapServers, { topic: 'moving' });
    assert.deepEqual(metadata.topics[0]!.partitions.map((partition) => partition.leader), [3, 2]);
    assert.equal(cluster.mock.partitionState('moving', 0)!.leaderEpoch, 1);
    const after = await kcatProduce(cluster.bootstrapServers, 'moving', [{ value: 'on 3', partition: 0 }]);
    assert.deepEqual(after, [{ partition: 0, offset: 1, broker: 3 }]);
    assert.deepEqual(cluster.mock.batches('moving', 0).map((batch) => batch.leaderEpoch), [0, 1]);
    assert.deepEqual(await partitionValues('moving', 0), [
      [0, 'on 1'],
      [1, 'on 3'],
    ]);
  });

  it('dropConnections: a waiting kcat consumer reconnects and still gets every record', async () => {
    await cluster.createTopic('reconnect', 1);
    const consuming = kcatConsume(cluster.bootstrapServers, { topic: 'reconnect', partition: 0, count: 3, timeoutMs: 60_000 });
    await requestsReached(1, FETCH);
    await cluster.mock.dropConnections(1);
    await kcatProduce(cluster.bootstrapServers, 'reconnect', [{ value: 'x', partition: 0 }, { value: 'y', partition: 0 }, { value: 'z', partition: 0 }]);
    const consumed = await consuming;
    assert.deepEqual(consumed.map((record) => [record.offset, record.value?.toString()]), [
      [0, 'x'],
      [1, 'y'],
      [2, 'z'],
    ]);
  });

  it('setRtt: every answer of the broker is late by the rtt', async () => {
    await cluster.setRtt(1, 300);
    try {
      const started = Date.now();
      await kcatMetadata(bootstrapOf(1));
      // ApiVersions then Metadata: two delayed round trips at least.
      assert.ok(Date.now() - started >= 600, `took ${Date.now() - started} ms`);
    } finally {
      await cluster.setRtt(1, 0);
    }
  });

  it('setCoordinator: a kcat group consumer goes to the chosen coordinator', async () => {
    await cluster.createTopic('grouped', 1);
    await cluster.setCoordinator('group', 'pinned group', 3);
    const result = await runProcess('kcat', ['-b', cluster.bootstrapServers, '-G', 'pinned group', '-d', 'cgrp', '-e', '-q', 'grouped'], { timeoutMs: 60_000 });
    const coordinators = [...result.stderr.matchAll(/Group "pinned group" coordinator is \S+ id (\d+)/g)].map((match) => Number(match[1]));
    assert.ok(coordinators.length > 0, 'kcat logged no coordinator');
    assert.deepEqual(new Set(coordinators), new Set([3]));
  });

  it('setApiVersion: librdkafka sees the narrowed ranges and a removed API', async () => {
    const initial = await cluster.apiVersions();
    await cluster.setApiVersion(METADATA, 0, 4);
    await cluster.setApiVersion(47, -1, -1);
    try {
      const seen = await kcatApiVersions(bootstrapOf(2));
      assert.deepEqual(seen.get(METADATA), { min: 0, max: 4 });
      assert.equal(seen.has(47), false);
      assert.deepEqual(seen, new Map(await cluster.apiVersions()));
      // Metadata v4 still lists everything librdkafka needs.
      const metadata = await kcatMetadata(cluster.bootstrapServers, { topic: 'grouped' });
      assert.equal(metadata.topics[0]!.partitions.length, 1);
    } finally {
      await cluster.setApiVersion(METADATA, initial.get(METADATA)!.min, initial.get(METADATA)!.max);
      await cluster.setApiVersion(47, 0, 0);
    }
    assert.deepEqual(await cluster.apiVersions(), initial);
  });

  it('createTopic: kcat lists and uses a topic made while it runs, and duplicates are refused', async () => {
    await cluster.createTopic('made-late', 4, 2);
    const metadata = await kcatMetadata(cluster.bootstrapServers, { topic: 'made-late' });
    assert.deepEqual(metadata.topics[0]!.partitions.map((partition) => [partition.leader, partition.replicas]), [
      [1, [1, 2]],
      [2, [2, 3]],
      [3, [3, 1]],
      [1, [1, 2]],
    ]);
    assert.deepEqual(await kcatProduce(cluster.bootstrapServers, 'made-late', [{ value: 'hello', partition: 3 }]), [{ partition: 3, offset: 0, broker: 1 }]);
    await assert.rejects(cluster.createTopic('made-late', 1), /TOPIC_ALREADY_EXISTS/);
  });
});
