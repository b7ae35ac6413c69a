/**
 * Routing and failures against librdkafka's 3-broker mock: following a leader change through
 * NOT_LEADER_OR_FOLLOWER, a broker going down while a request is pending, request timeouts and
 * aborts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../../src/cluster/cluster.js';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { resolveCommonOptions } from '../../../src/cluster/options.js';
import { formatBrokerAddress } from '../../../src/cluster/addresses.js';
import { KafkaAbortError, KafkaConnectionError, KafkaTimeoutError, throwIfError } from '../../../src/protocol/errors.js';
import { ApiVersions, ListOffsets, Metadata, type ListOffsetsResponse } from '../../../src/protocol/generated/index.js';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { waitFor } from '../../support/wait.js';

const TOPIC = 'routed';

function latestOffsetRequest(partition: number) {
  return { replicaId: -1, topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, timestamp: -1n }] }] };
}

function partitionError(response: ListOffsetsResponse | undefined): number {
  return response?.topics[0]?.partitions[0]?.errorCode ?? -1;
}

describe('routing and failures on a 3-broker librdkafka mock', () => {
  let mock: RdkafkaMock;
  let cluster: Cluster;

  before(async () => {
    mock = await startRdkafkaMock({ brokers: 3, topics: [{ name: TOPIC, partitions: 4 }] });
    cluster = new Cluster(resolveCommonOptions({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent', reconnectBackoffMs: 20, reconnectBackoffMaxMs: 200, retryBackoffMs: 20 }));
  });
  after(async () => {
    await cluster?.close();
    await mock?.stop();
  });

  it('follows a leader change: the old leader answers NOT_LEADER_OR_FOLLOWER, the client refreshes and retries on the new one', async () => {
    await cluster.refreshMetadata({ topics: [TOPIC] });
    const oldLeader = cluster.metadata.partition(TOPIC, 1)!.leader;
    const newLeader = oldLeader === 3 ? 1 : oldLeader + 1;
    await mock.setLeader(TOPIC, 1, newLeader);

    const direct = await cluster.send({ broker: oldLeader }, ListOffsets, latestOffsetRequest(1));
    assert.equal(partitionError(direct), 6, 'the old leader refuses');

    const askedBrokers: number[] = [];
    const retriedWith: string[] = [];
    const response = await cluster.sendWithRetries({ leaderOf: { topic: TOPIC, partition: 1 } }, ListOffsets, latestOffsetRequest(1), {
      check: (answer, channel) => {
        askedBrokers.push(channel.node.id);
        throwIfError(partitionError(answer), { topic: TOPIC, partition: 1 });
      },
      onRetry: (error) => retriedWith.push(error.errorName),
      timeoutMs: 10_000,
    });
    assert.equal(partitionError(response), 0);
    assert.equal(response?.topics[0]?.partitions[0]?.offset, 0n);
    assert.deepEqual(askedBrokers, [oldLeader, newLeader]);
    assert.deepEqual(retriedWith, ['NOT_LEADER_OR_FOLLOWER']);
    assert.equal(cluster.metadata.partition(TOPIC, 1)!.leader, newLeader);
  });

  it('fails pending requests fast with KafkaConnectionError when their broker goes down, and reconnects after it is back', async () => {
    const channel = await cluster.route({ broker: 2 });
    await mock.setRtt(2, 20_000);
    const started = performance.now();
    const pending = [channel.send(Metadata, { topics: [] }), channel.send(ApiVersions, {})];
    for (const request of pending) request.catch(() => {});
    await waitFor(() => channel.connection.inFlightCount === 2, { what: 'the requests to be in flight' });
    await mock.brokerDown(2);
    for (const request of pending) {
      await assert.rejects(request, (error: unknown) => {
        assert.ok(error instanceof KafkaConnectionError, String(error));
        assert.equal(error.retriable, true);
        assert.equal(error.broker, formatBrokerAddress(channel.node));
        return true;
      });
    }
    assert.ok(performance.now() - started < 10_000, 'failed long before the 20 s delay');

    // While it is down, a request to it fails at once (KafkaClient.send does not retry connections).
    const client = new KafkaClient({ bootstrapServers: mock.bootstrapServers, logLevel: 'silent' });
    try {
      await client.connect();
      await assert.rejects(client.send({ broker: 2 }, Metadata, { topics: [] }), KafkaConnectionError);
    } finally {
      await client.close();
    }
    await assert.rejects(cluster.send({ broker: 2 }, Metadata, { topics: [] }), KafkaConnectionError);

    await mock.setRtt(2, 0);
    await mock.brokerUp(2);
    // The pool waits out its reconnect backoff (at most 200 ms here), then connects again.
    const response = await cluster.sendWithRetries({ broker: 2 }, Metadata, { topics: [] }, { timeoutMs: 10_000 });
    assert.equal(response.brokers.length, 3);
    const reconnected = await cluster.route({ broker: 2 });
    assert.notEqual(reconnected.connection, channel.connection);
  });

  it('times a slow request out with KafkaTimeoutError and replaces the connection it closed', async () => {
    const channel = await cluster.route({ broker: 1 });
    await mock.setRtt(1, 5_000);
    const started = performance.now();
    await assert.rejects(channel.send(Metadata, { topics: [] }, { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof KafkaTimeoutError, String(error));
      assert.match(error.message, /^Metadata request \(correlation id \d+\) to 127\.0\.0\.1:\d+ timed out$/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 3000, `timed out after ${elapsed} ms`);
    await mock.setRtt(1, 0);
    await waitFor(() => channel.connection.isClosed, { what: 'the timed-out connection to close' });
    const replacement = await cluster.route({ broker: 1 });
    assert.notEqual(replacement.connection, channel.connection);
    const response = await replacement.send(Metadata, { topics: [] });
    assert.equal(response.brokers.length, 3);
  });

  it('aborts a request with KafkaAbortError and keeps the connection for the next one', async () => {
    const channel = await cluster.route({ broker: 3 });
    await mock.setRtt(3, 1_000);
    const controller = new AbortController();
    const pending = channel.send(Metadata, { topics: [] }, { signal: controller.signal });
    await waitFor(() => channel.connection.inFlightCount === 1, { what: 'the request to be in flight' });
    controller.abort();
    await assert.rejects(pending, KafkaAbortError);
    await mock.setRtt(3, 0);
    const next = await cluster.route({ broker: 3 });
    assert.equal(next.connection, channel.connection, 'an abort does not close the connection');
    const response = await next.send(Metadata, { topics: [] });
    assert.equal(response.brokers.length, 3);
    assert.equal(channel.connection.isClosed, false);
  });
});
