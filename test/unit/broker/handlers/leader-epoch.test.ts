import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { OffsetForLeaderEpoch } from '../../../../src/protocol/generated/offset-for-leader-epoch.js';
import { Produce } from '../../../../src/protocol/generated/produce.js';
import { batchOf, connectTo, values } from '../fixtures.js';

describe('OffsetForLeaderEpoch', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 'epochs', partitions: 1 }] });
  });
  after(() => cluster.stop());

  it('answers where each epoch ended, the current one at the log end', async () => {
    const client = await connectTo(cluster, 1);
    const produce = async (count: number) => {
      await client.send(Produce, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'epochs', partitionData: [{ index: 0, records: await batchOf(values('e', count)) }] }] });
    };
    await produce(3); // epoch 0: offsets 0-2
    await cluster.setLeader('epochs', 0, 2); // epoch 1 starts at 3, on broker 2
    await cluster.setLeader('epochs', 0, 1); // epoch 2 starts at 3 too, on broker 1
    await produce(2); // epoch 2: offsets 3-4
    const ask = (leaderEpoch: number, currentLeaderEpoch = -1) => ({ partition: 0, leaderEpoch, currentLeaderEpoch });
    const response = await client.send(OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [{ topic: 'epochs', partitions: [ask(0), ask(1), ask(2), ask(7), ask(0, 1), ask(0, 3)] }],
    });
    assert.deepEqual(
      response.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderEpoch, Number(p.endOffset)]),
      [
        [0, 0, 3],
        [0, 0, 3],
        [0, 2, 5],
        [0, 2, 5],
        [74, -1, -1],
        [75, -1, -1],
      ],
    );
    const elsewhere = await connectTo(cluster, 2);
    const notLeader = await elsewhere.send(OffsetForLeaderEpoch, 3, { replicaId: -1, topics: [{ topic: 'epochs', partitions: [ask(0)] }, { topic: 'none', partitions: [ask(0)] }] });
    assert.deepEqual(notLeader.topics.map((topic) => topic.partitions[0]!.errorCode), [6, 3]);
    await elsewhere.close();
    await client.close();
  });
});
