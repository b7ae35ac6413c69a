import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { ListOffsets, type ListOffsetsResponse } from '../../../../src/protocol/generated/list-offsets.js';
import { Produce } from '../../../../src/protocol/generated/produce.js';
import { batchOf, connectTo } from '../fixtures.js';
import type { RawClient } from '../raw-client.js';

/** A request; `maxNumOffsets` exists in v0 only. */
function query(topic: string, partitions: Array<[number, number, number?]>, maxNumOffsets?: number) {
  return {
    replicaId: -1,
    topics: [
      {
        name: topic,
        partitions: partitions.map(([partitionIndex, timestamp, currentLeaderEpoch]) => ({
          partitionIndex,
          timestamp: BigInt(timestamp),
          currentLeaderEpoch: currentLeaderEpoch ?? -1,
          ...(maxNumOffsets === undefined ? {} : { maxNumOffsets }),
        })),
      },
    ],
  };
}

/** [partition, error, offset, timestamp, leaderEpoch] */
function rows(response: ListOffsetsResponse): Array<[number, number, number, number, number]> {
  return response.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, Number(p.offset), Number(p.timestamp), p.leaderEpoch]);
}

describe('ListOffsets', () => {
  let cluster: MockCluster;
  let client: RawClient;
  const base = 1_700_000_000_000;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 'times', partitions: 2 }], retentionBytes: 10_000_000 });
    client = await connectTo(cluster, 1);
    const produce = async (timestamps: number[]) => {
      const records = await batchOf(timestamps.map((offset) => ({ value: `at-${offset}`, timestamp: base + offset })));
      await client.send(Produce, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'times', partitionData: [{ index: 0, records }] }] });
    };
    // Offsets 0-2 at +10, +30, +20 (epoch 0); then a leader change; offsets 3-4 at +50, +40 (epoch 2).
    await produce([10, 30, 20]);
    await cluster.setLeader('times', 0, 2);
    await cluster.setLeader('times', 0, 1);
    await produce([50, 40]);
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });

  it('answers earliest, latest, max timestamp and timestamp searches with their epochs', async () => {
    const response = await client.send(ListOffsets, 8, query('times', [[0, -2], [0, -1], [0, -3], [0, base + 25], [0, base + 45], [0, base + 60], [0, -4]]));
    assert.deepEqual(rows(response), [
      [0, 0, 0, -1, 0],
      [0, 0, 5, -1, 2],
      [0, 0, 3, base + 50, 2],
      [0, 0, 1, base + 30, 0],
      [0, 0, 3, base + 50, 2],
      [0, 0, -1, -1, -1],
      [0, 0, 0, -1, 0],
    ]);
  });

  it('checks leadership and the current leader epoch', async () => {
    const response = await client.send(ListOffsets, 4, query('times', [[1, -1], [0, -1, 1], [0, -1, 3], [0, -1, 2]]));
    assert.deepEqual(rows(response).map(([partition, code]) => [partition, code]), [
      [1, 6],
      [0, 74],
      [0, 75],
      [0, 0],
    ]);
    const unknown = await client.send(ListOffsets, 4, query('nowhere', [[0, -1]]));
    assert.deepEqual(rows(unknown), [[0, 3, -1, -1, -1]]);
  });

  it('leaves the epoch out before v4 and answers old-style offset lists in v0 (3.x)', async () => {
    assert.deepEqual(rows(await client.send(ListOffsets, 1, query('times', [[0, -1]]))), [[0, 0, 5, -1, -1]]);
    const old = await MockCluster.start({ brokers: 1, asVersion: '3.5', topics: [{ name: 't', partitions: 1 }] });
    const oldClient = await connectTo(old, 1);
    await oldClient.send(Produce, 9, { acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: await batchOf([{ value: 'a' }, { value: 'b' }]) }] }] });
    const v0 = await oldClient.send(ListOffsets, 0, query('t', [[0, -1], [0, -2]], 10));
    assert.deepEqual(
      v0.topics[0]!.partitions.map((p) => [p.errorCode, p.oldStyleOffsets.map(Number)]),
      [
        [0, [2, 0]],
        [0, [0]],
      ],
    );
    await oldClient.close();
    await old.stop();
  });
});
