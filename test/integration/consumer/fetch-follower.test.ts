/**
 * Follower fetching (KIP-392) against librdkafka's mock, which answers a leader's Fetch v11+ with
 * a preferred read replica (and no data) when a follower is set: the consumer sends its rack id,
 * moves its fetches to the named replica, reads everything exactly once there, and goes back to
 * the leader when the replica is no longer named or fails. Fetches are observed on the wire.
 * (The mock's follower serves past the watermarks set with setFollowerWatermarks, so a lagging
 * follower cannot be shown with it.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRdkafkaMock, type RdkafkaMock } from '../../support/rdkafka-mock.js';
import { kcatProduce } from '../../support/peers.js';
import type { FetchRequest } from '../../../src/protocol/generated/index.js';
import { waitFor } from '../../support/wait.js';
import { brokerPorts, captureRequests, consumeExactly, testConsumer } from './fetch-support.js';

const FETCH = 1;

function portOf(mock: RdkafkaMock, brokerId: number): number {
  const addresses = mock.bootstrapServers.split(',');
  const address = addresses[mock.brokerIds.indexOf(brokerId)]!;
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

describe('follower fetching on librdkafka mock', () => {
  let mock: RdkafkaMock;

  before(async () => {
    mock = await startRdkafkaMock({ brokers: 3 });
    for (const id of mock.brokerIds) await mock.setRack(id, `rack-${id}`);
  });
  after(async () => {
    await mock?.stop();
  });

  it('fetches from the preferred read replica the leader names, with the client rack in every request', { timeout: 60_000 }, async () => {
    const topic = 'follower-preferred';
    await mock.createTopic(topic, 1, 3);
    await mock.setLeader(topic, 0, 1);
    await mock.setFollower(topic, 0, 2);
    await kcatProduce(mock.bootstrapServers, topic, Array.from({ length: 30 }, (_, index) => ({ partition: 0, value: `v${index}` })));
    const capture = captureRequests(brokerPorts(mock));
    const consumer = testConsumer(mock, { clientRack: 'rack-2' });
    try {
      consumer.assign([{ topic, partition: 0 }]);
      const records = await consumeExactly(consumer, 30);
      assert.deepEqual(records.map((record) => record.offset), Array.from({ length: 30 }, (_, index) => index));
      assert.ok(consumer.metrics().followerFetches > 0);

      // The replica is no longer preferred (and the leader says so by serving data): back to the leader.
      await mock.setFollower(topic, 0, -1);
      await mock.brokerDown(2);
      await kcatProduce(mock.bootstrapServers, topic, Array.from({ length: 5 }, (_, index) => ({ partition: 0, value: `w${index}` })));
      const more = await consumeExactly(consumer, 5, { timeoutMs: 30_000 });
      assert.deepEqual(more.map((record) => record.offset), [30, 31, 32, 33, 34]);
    } finally {
      capture.stop();
      await mock.brokerUp(2);
      await consumer.close();
    }
    const fetches = capture.requests.filter((request) => request.apiKey === FETCH);
    assert.ok(fetches.every((request) => request.apiVersion >= 11 && (request.body as FetchRequest).rackId === 'rack-2'), 'rack id sent');
    const leaderPort = portOf(mock, 1);
    const followerPort = portOf(mock, 2);
    assert.equal(fetches[0]!.port, leaderPort, 'the first fetch goes to the leader');
    const toFollower = fetches.filter((request) => request.port === followerPort);
    assert.ok(toFollower.length >= 1, 'then to the follower');
    const firstToFollower = fetches.indexOf(toFollower[0]!);
    assert.ok(fetches.slice(1, firstToFollower).every((request) => request.port === leaderPort));
    assert.equal(fetches[fetches.length - 1]!.port, leaderPort, 'back on the leader at the end');
  });

  it('a preferred replica that cannot be reached is abandoned for the leader: nothing lost or duplicated', { timeout: 60_000 }, async () => {
    const topic = 'follower-down';
    await mock.createTopic(topic, 1, 3);
    await mock.setLeader(topic, 0, 1);
    await mock.setFollower(topic, 0, 3);
    await kcatProduce(mock.bootstrapServers, topic, Array.from({ length: 10 }, (_, index) => ({ partition: 0, value: `v${index}` })));
    const capture = captureRequests(brokerPorts(mock));
    const consumer = testConsumer(mock, { clientRack: 'rack-3' });
    try {
      consumer.assign([{ topic, partition: 0 }]);
      const first = await consumeExactly(consumer, 10, { quietMs: 0 });
      assert.deepEqual(first.map((record) => record.offset), Array.from({ length: 10 }, (_, index) => index));
      await mock.brokerDown(3);
      await kcatProduce(mock.bootstrapServers, topic, Array.from({ length: 10 }, (_, index) => ({ partition: 0, value: `w${index}` })));
      // The consumer goes back to the leader after the failure (the mock's leader keeps naming the
      // replica, with no data, where a real leader drops a replica that left the ISR).
      const sentBefore = capture.requests.length;
      await waitFor(() => capture.requests.slice(sentBefore).some((request) => request.apiKey === FETCH && request.port === portOf(mock, 1)), { what: 'a fetch to the leader after the replica failed' });
      await mock.setFollower(topic, 0, -1);
      const rest = await consumeExactly(consumer, 10, { timeoutMs: 30_000 });
      assert.deepEqual(rest.map((record) => record.offset), Array.from({ length: 10 }, (_, index) => 10 + index));
    } finally {
      capture.stop();
      await mock.brokerUp(3);
      await consumer.close();
    }
    const fetchPorts = capture.requests.filter((request) => request.apiKey === FETCH).map((request) => request.port);
    assert.ok(fetchPorts.includes(portOf(mock, 3)), 'the replica was used while it was up');
  });
});
