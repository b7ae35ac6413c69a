/**
 * Incremental fetch sessions (KIP-227) as they appear on the wire: the Fetch requests the consumer
 * writes to each broker are decoded from the socket bytes. kafkats' embedded broker keeps
 * sessions: after one full request per broker, requests are incremental, with consecutive epochs,
 * carrying only partitions whose position changed. librdkafka's mock keeps none: every request is
 * full.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableTestClusters, startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatProduce } from '../../support/peers.js';
import type { FetchRequest } from '../../../src/protocol/generated/index.js';
import { brokerPorts, captureRequests, consumeExactly, testConsumer, type WireRequest } from './fetch-support.js';

const FETCH = 1;
const PARTITIONS = 6;

function fetchesByBroker(requests: readonly WireRequest[]): Map<number, FetchRequest[]> {
  const byPort = new Map<number, FetchRequest[]>();
  for (const request of requests) {
    if (request.apiKey !== FETCH) continue;
    let list = byPort.get(request.port);
    if (list === undefined) byPort.set(request.port, (list = []));
    list.push(request.body as FetchRequest);
  }
  return byPort;
}

const partitionsIn = (request: FetchRequest) => request.topics.reduce((sum, topic) => sum + topic.partitions.length, 0);

for (const kind of availableTestClusters()) {
  describe(`fetch sessions on ${kind}`, () => {
    let cluster: TestCluster;

    before(async () => {
      cluster = await startTestCluster(kind, { brokers: 3 });
    });
    after(async () => {
      await cluster?.stop();
    });

    it(kind === 'embedded' ? 'opens a session per broker, then sends incremental requests with consecutive epochs and only changed partitions' : 'the mock opens no session: every request is full', async () => {
      const topic = `sessions-${kind}`;
      await cluster.createTopic(topic, PARTITIONS, 3);
      for (let partition = 0; partition < PARTITIONS; partition++) await cluster.setLeader(topic, partition, 1 + (partition % 3));
      for (let partition = 0; partition < PARTITIONS; partition++) {
        await kcatProduce(cluster.bootstrapServers, topic, [{ partition, value: `first-${partition}` }]);
      }
      const capture = captureRequests(brokerPorts(cluster));
      const consumer = testConsumer(cluster);
      try {
        consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
        await consumeExactly(consumer, PARTITIONS, { quietMs: 500 });
        // New data for one partition only: it comes through the existing sessions.
        await kcatProduce(cluster.bootstrapServers, topic, [{ partition: 4, value: 'second' }]);
        const [late] = await consumeExactly(consumer, 1, { quietMs: 300 });
        assert.equal(late!.partition, 4);
        assert.equal(String(late!.value), 'second');
      } finally {
        capture.stop();
        await consumer.close();
      }
      const byBroker = fetchesByBroker(capture.requests);
      assert.equal(byBroker.size, 3, 'fetches went to the three leaders');
      const metrics = consumer.metrics();
      for (const [port, fetches] of byBroker) {
        assert.ok(fetches.length >= 3, `broker at ${port}: ${fetches.length} fetches`);
        const first = fetches[0]!;
        assert.deepEqual([first.sessionId, first.sessionEpoch, partitionsIn(first)], [0, 0, 2], 'the first request is full and asks for a session');
        if (kind === 'embedded') {
          const rest = fetches.slice(1);
          const sessionId = rest[0]!.sessionId;
          assert.ok(sessionId > 0, 'the broker opened a session');
          assert.deepEqual(rest.map((request) => request.sessionId), rest.map(() => sessionId));
          assert.deepEqual(rest.map((request) => request.sessionEpoch), rest.map((_, index) => index + 1), 'epochs 1, 2, 3, ...');
          // Once every partition of the broker is caught up, requests carry no partition at all.
          assert.ok(rest.some((request) => partitionsIn(request) === 0 && request.forgottenTopicsData.length === 0), 'an incremental request with nothing changed');
          assert.ok(rest.every((request) => partitionsIn(request) <= 2));
        } else {
          for (const request of fetches) {
            assert.deepEqual([request.sessionId, request.sessionEpoch], [0, 0]);
            assert.ok(partitionsIn(request) >= 1);
          }
        }
      }
      const total = [...byBroker.values()].reduce((sum, list) => sum + list.length, 0);
      assert.equal(metrics.fetchRequests, total, 'every fetch request was seen on the wire');
      if (kind === 'embedded') assert.equal(metrics.incrementalFetchRequests, total - 3);
      else assert.equal(metrics.incrementalFetchRequests, 0);
    });

    it('a partition drained or paused is forgotten by the session and sent again when it comes back', { skip: kind !== 'embedded' }, async () => {
      const topic = 'sessions-forget';
      await cluster.createTopic(topic, 2, 1);
      await cluster.setLeader(topic, 0, 1);
      await cluster.setLeader(topic, 1, 1);
      await kcatProduce(cluster.bootstrapServers, topic, [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }]);
      const capture = captureRequests(brokerPorts(cluster));
      const consumer = testConsumer(cluster);
      try {
        consumer.assign([0, 1].map((partition) => ({ topic, partition })));
        await consumeExactly(consumer, 2, { quietMs: 300 });
        consumer.pause([{ topic, partition: 1 }]);
        await kcatProduce(cluster.bootstrapServers, topic, [{ partition: 0, value: 'c' }, { partition: 1, value: 'd' }]);
        await consumeExactly(consumer, 1, { quietMs: 300 });
        consumer.resume([{ topic, partition: 1 }]);
        const [back] = await consumeExactly(consumer, 1, { quietMs: 300 });
        assert.equal(String(back!.value), 'd');
      } finally {
        capture.stop();
        await consumer.close();
      }
      const fetches = [...fetchesByBroker(capture.requests).values()].flat();
      const forgetting = fetches.filter((request) => request.forgottenTopicsData.some((entry) => entry.partitions.includes(1)));
      assert.ok(forgetting.length >= 1, 'pausing partition 1 removed it from the session');
      const afterForget = fetches.slice(fetches.indexOf(forgetting[forgetting.length - 1]!) + 1);
      assert.ok(
        afterForget.some((request) => request.topics.some((entry) => entry.partitions.some((partition) => partition.partition === 1 && partition.fetchOffset === 1n))),
        'resuming sent partition 1 again, from offset 1',
      );
    });
  });
}
