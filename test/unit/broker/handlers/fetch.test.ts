import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { Fetch, type FetchRequest, type FetchResponse } from '../../../../src/protocol/generated/fetch.js';
import { Metadata } from '../../../../src/protocol/generated/metadata.js';
import { Produce } from '../../../../src/protocol/generated/produce.js';
import type { Input } from '../../../../src/protocol/api.js';
import { readRecordBatches } from '../../../../src/records/index.js';
import { batchOf, batchesIn, connectTo, recordsIn, values } from '../fixtures.js';
import type { RawClient } from '../raw-client.js';

async function produce(client: RawClient, topic: string, partition: number, records: Buffer): Promise<number> {
  const response = await client.send(Produce, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  const result = response.responses[0]!.partitionResponses[0]!;
  assert.equal(result.errorCode, 0);
  return Number(result.baseOffset);
}

function fetchOf(topic: string, partitions: Array<[number, number, number?]>, options: Partial<Input<FetchRequest>> = {}): Input<FetchRequest> {
  return {
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50_000_000,
    ...options,
    topics: [{ topic, partitions: partitions.map(([partition, offset, max]) => ({ partition, fetchOffset: BigInt(offset), partitionMaxBytes: max ?? 1_000_000 })) }],
  };
}

/** [partition, errorCode, highWatermark, record bytes] per answered partition. */
function summary(response: FetchResponse): Array<[number, number, number, number]> {
  return response.responses.flatMap((topic) => topic.partitions.map((p): [number, number, number, number] => [p.partitionIndex, p.errorCode, Number(p.highWatermark), p.records?.length ?? -1]));
}

describe('Fetch', () => {
  let cluster: MockCluster;
  let client: RawClient;
  let batches: Buffer[];
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 'data', partitions: 3 }, { name: 'waiting', partitions: 1 }, { name: 'zstd', partitions: 1 }] });
    client = await connectTo(cluster, 1);
    batches = [await batchOf(values('first', 10)), await batchOf(values('second', 10)), await batchOf(values('third', 10))];
    for (const batch of batches) await produce(client, 'data', 0, batch);
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });

  it('returns whole batches from the one holding the offset, with the offsets of v4+', async () => {
    const response = await client.send(Fetch, 11, fetchOf('data', [[0, 15]], { isolationLevel: 1 }));
    const partition = response.responses[0]!.partitions[0]!;
    assert.deepEqual(
      [partition.errorCode, partition.highWatermark, partition.lastStableOffset, partition.logStartOffset, partition.preferredReadReplica],
      [0, 30n, 30n, 0n, -1],
    );
    assert.deepEqual(partition.abortedTransactions, []);
    assert.deepEqual(batchesIn(partition.records).map((batch) => batch.baseOffset), [10, 20]);
    const uncommitted = await client.send(Fetch, 11, fetchOf('data', [[0, 30]]));
    assert.equal(uncommitted.responses[0]!.partitions[0]!.abortedTransactions, null);
    assert.equal(uncommitted.responses[0]!.partitions[0]!.records?.length, 0);
  });

  it('applies partition and request limits, returning the first batch whole (v3+) and cutting the next short', async () => {
    const size = batches[0]!.length;
    const cut = await client.send(Fetch, 11, fetchOf('data', [[0, 0, size + 20]]));
    const records = cut.responses[0]!.partitions[0]!.records!;
    assert.equal(records.length, size + 20);
    const parsed = readRecordBatches(records);
    assert.deepEqual([parsed.batches.length, parsed.partialBytes], [1, 20]);

    const oversized = await client.send(Fetch, 11, fetchOf('data', [[0, 0, 10]]));
    assert.equal(oversized.responses[0]!.partitions[0]!.records!.length, size, 'the first batch comes whole');

    const requestLimit = await client.send(Fetch, 11, { ...fetchOf('data', [[0, 0], [0, 10]]), maxBytes: 10 });
    assert.deepEqual(summary(requestLimit), [
      [0, 0, 30, size],
      [0, 0, 30, 0],
    ]);

  });

  it('keeps the limits hard before v3, on a release that serves those versions', async () => {
    const old = await MockCluster.start({ brokers: 1, asVersion: '3.9', topics: [{ name: 'old', partitions: 1 }] });
    const oldClient = await connectTo(old, 1);
    await produce(oldClient, 'old', 0, await batchOf(values('v', 3)));
    const hardLimit = await oldClient.send(Fetch, 2, fetchOf('old', [[0, 0, 10]]));
    assert.equal(hardLimit.responses[0]!.partitions[0]!.records!.length, 10);
    await oldClient.close();
    await old.stop();
  });

  it('reports OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER with the leader (v12+), fenced and unknown epochs', async () => {
    const response = await client.send(Fetch, 12, {
      maxWaitMs: 0,
      maxBytes: 1_000_000,
      topics: [
        {
          topic: 'data',
          partitions: [
            { partition: 0, fetchOffset: 31n, partitionMaxBytes: 1000 },
            { partition: 1, fetchOffset: 0n, partitionMaxBytes: 1000 },
            { partition: 2, fetchOffset: 0n, partitionMaxBytes: 1000 },
            { partition: 9, fetchOffset: 0n, partitionMaxBytes: 1000 },
          ],
        },
      ],
    });
    assert.deepEqual(summary(response), [
      [0, 1, -1, 0],
      [1, 6, -1, 0],
      [2, 0, 0, 0],
      [9, 3, -1, 0],
    ]);
    assert.deepEqual(response.responses[0]!.partitions[1]!.currentLeader, { leaderId: 2, leaderEpoch: 0 });
    assert.deepEqual(response.nodeEndpoints, []);

    await cluster.setLeader('data', 2, 1);
    const epochs = await client.send(Fetch, 12, {
      maxWaitMs: 0,
      maxBytes: 1_000_000,
      topics: [
        {
          topic: 'data',
          partitions: [
            { partition: 2, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: 0 },
            { partition: 2, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: 2 },
            { partition: 2, fetchOffset: 0n, partitionMaxBytes: 1000, currentLeaderEpoch: 1 },
          ],
        },
      ],
    });
    assert.deepEqual(summary(epochs).map(([, code]) => code), [74, 75, 0]);
  });

  it('addresses topics by id from v13 and reports unknown ids', async () => {
    const metadata = await client.send(Metadata, 12, { topics: [{ name: 'data' }] });
    const topicId = metadata.topics[0]!.topicId;
    const response = await client.send(Fetch, 13, {
      maxWaitMs: 0,
      maxBytes: 1_000_000,
      topics: [
        { topicId, partitions: [{ partition: 0, fetchOffset: 20n, partitionMaxBytes: 1_000_000 }] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] },
      ],
    });
    assert.deepEqual(
      response.responses.map((topic) => [topic.topicId, topic.partitions[0]!.errorCode]),
      [
        [topicId, 0],
        ['AAAAAAAAAAAAAAAAAAAAAQ', 100],
      ],
    );
    assert.deepEqual(recordsIn(response.responses[0]!.partitions[0]!.records).map(([offset]) => offset)[0], 20);
  });

  it('waits for minBytes until a produce arrives, and answers empty when maxWaitMs passes', async () => {
    const waiter = await connectTo(cluster, 1);
    const pending = waiter.send(Fetch, 11, fetchOf('waiting', [[0, 0]], { maxWaitMs: 60_000, minBytes: 1 }));
    await produce(client, 'waiting', 0, await batchOf(values('wake', 2)));
    const woken = await pending;
    assert.deepEqual(recordsIn(woken.responses[0]!.partitions[0]!.records), [
      [0, 'wake-0'],
      [1, 'wake-1'],
    ]);
    const started = Date.now();
    const expired = await waiter.send(Fetch, 11, fetchOf('waiting', [[0, 2]], { maxWaitMs: 300, minBytes: 1 }));
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
    assert.deepEqual(summary(expired), [[0, 0, 2, 0]]);
    await waiter.close();
  });

  it('keeps incremental fetch sessions: only partitions with news, epochs checked, forgotten partitions', async () => {
    const full = await client.send(Fetch, 11, { ...fetchOf('data', [[0, 30], [2, 0]]), sessionId: 0, sessionEpoch: 0 });
    const sessionId = full.sessionId;
    assert.ok(sessionId > 0);
    assert.deepEqual(summary(full).map(([partition]) => partition), [0, 2]);

    const quiet = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId, sessionEpoch: 1, topics: [] });
    assert.deepEqual([quiet.errorCode, quiet.sessionId, quiet.responses], [0, sessionId, []]);

    await produce(client, 'data', 0, await batchOf(values('news', 1)));
    const news = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId, sessionEpoch: 2, topics: [] });
    assert.deepEqual(summary(news).map(([partition, code, hw]) => [partition, code, hw]), [[0, 0, 31]]);
    assert.deepEqual(recordsIn(news.responses[0]!.partitions[0]!.records), [[30, 'news-0']]);

    const stale = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId, sessionEpoch: 2, topics: [] });
    assert.deepEqual([stale.errorCode, stale.sessionId, stale.responses], [71, 0, []]);
    const unknown = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId: sessionId + 1000, sessionEpoch: 1, topics: [] });
    assert.equal(unknown.errorCode, 70);

    // The consumer moves partition 0 on and forgets partition 2.
    const moved = await client.send(Fetch, 11, {
      ...fetchOf('data', [[0, 31]]),
      sessionId,
      sessionEpoch: 3,
      forgottenTopicsData: [{ topic: 'data', partitions: [2] }],
    });
    // Partition 0 has no news (its fetch offset moved, nothing else): it is left out.
    assert.deepEqual(moved.responses, []);
    await produce(client, 'data', 2, await batchOf(values('unseen', 1)));
    const afterForget = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId, sessionEpoch: 4, topics: [] });
    assert.deepEqual(afterForget.responses, []);

    const closed = await client.send(Fetch, 11, { ...fetchOf('data', [[0, 31]]), sessionId, sessionEpoch: -1 });
    assert.equal(closed.sessionId, 0);
    const gone = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, sessionId, sessionEpoch: 5, topics: [] });
    assert.equal(gone.errorCode, 70);
  });

  it('closes the connection for Fetch v3, which Kafka 4.0 no longer serves', async () => {
    const refused = await connectTo(cluster, 1);
    await assert.rejects(refused.send(Fetch, 3, fetchOf('data', [[0, 0]])), /connection closed/);
    await refused.close();
  });

  it('converts batches to magic 0 (v0-v1) and magic 1 (v2-v3) for 3.x, and refuses zstd before v10', async () => {
    const old = await MockCluster.start({ brokers: 1, asVersion: '3.7', topics: [{ name: 'data', partitions: 1 }, { name: 'zstd', partitions: 1 }] });
    const client = await connectTo(old, 1);
    for (const batch of batches) await produce(client, 'data', 0, batch);
    for (const [version, magic] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ] as const) {
      const response = await client.send(Fetch, version, fetchOf('data', [[0, 10, 100_000]]));
      const converted = batchesIn(response.responses[0]!.partitions[0]!.records);
      assert.ok(converted.every((batch) => batch.magic === magic), `v${version}`);
      assert.deepEqual(
        converted.flatMap((batch) => batch.recordsSync().map((record) => record.offset)),
        Array.from({ length: 20 }, (_, index) => 10 + index),
        `v${version}`,
      );
    }
    await produce(client, 'zstd', 0, await batchOf(values('z', 1), { compression: 'zstd' }));
    assert.deepEqual(summary(await client.send(Fetch, 9, fetchOf('zstd', [[0, 0]]))), [[0, 76, 1, 0]]);
    assert.deepEqual(recordsIn((await client.send(Fetch, 10, fetchOf('zstd', [[0, 0]]))).responses[0]!.partitions[0]!.records), [[0, 'z-0']]);
    await client.close();
    await old.stop();
  });

  it('answers pushed errors at the top and, before v13, in every partition', async () => {
    await cluster.pushRequestErrors(1, [6, 6]);
    const v11 = await client.send(Fetch, 11, fetchOf('data', [[0, 0], [2, 0]]));
    assert.equal(v11.errorCode, 6);
    assert.deepEqual(summary(v11), [
      [0, 6, -1, 0],
      [2, 6, -1, 0],
    ]);
    const v13 = await client.send(Fetch, 13, { maxWaitMs: 0, maxBytes: 1000, topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 10 }] }] });
    assert.deepEqual([v13.errorCode, v13.responses], [6, []]);
  });
});
