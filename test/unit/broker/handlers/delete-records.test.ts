import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { DeleteRecords } from '../../../../src/protocol/generated/delete-records.js';
import { Fetch } from '../../../../src/protocol/generated/fetch.js';
import { Produce } from '../../../../src/protocol/generated/produce.js';
import { batchOf, connectTo, recordsIn, values } from '../fixtures.js';

describe('DeleteRecords', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 'trimmed', partitions: 2 }] });
  });
  after(() => cluster.stop());

  it('moves the log start offset, up to the high watermark, and fetches then start there', async () => {
    const client = await connectTo(cluster, 1);
    for (let index = 0; index < 3; index++) {
      await client.send(Produce, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: 'trimmed', partitionData: [{ index: 0, records: await batchOf(values(`b${index}`, 2)) }] }] });
    }
    const ask = (partitionIndex: number, offset: bigint) => ({ partitionIndex, offset });
    const response = await client.send(DeleteRecords, 2, {
      timeoutMs: 1000,
      topics: [
        { name: 'trimmed', partitions: [ask(0, 3n), ask(0, 2n), ask(0, 7n), ask(1, 0n)] },
        { name: 'absent', partitions: [ask(0, 0n)] },
      ],
    });
    assert.deepEqual(
      response.topics.flatMap((topic) => topic.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark])),
      [
        [0, 0, 3n],
        [0, 0, 3n],
        [0, 1, -1n],
        [1, 6, -1n],
        [0, 3, -1n],
      ],
    );
    const fetched = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, topics: [{ topic: 'trimmed', partitions: [{ partition: 0, fetchOffset: 3n, partitionMaxBytes: 1_000_000 }] }] });
    const partition = fetched.responses[0]!.partitions[0]!;
    assert.equal(partition.logStartOffset, 3n);
    // The batch holding offsets 2-3 is still whole: the consumer skips offset 2 itself.
    assert.deepEqual(recordsIn(partition.records).map(([offset]) => offset), [2, 3, 4, 5]);
    const tooEarly = await client.send(Fetch, 11, { maxWaitMs: 0, maxBytes: 1_000_000, topics: [{ topic: 'trimmed', partitions: [{ partition: 0, fetchOffset: 2n, partitionMaxBytes: 1000 }] }] });
    assert.equal(tooEarly.responses[0]!.partitions[0]!.errorCode, 1);
    const all = await client.send(DeleteRecords, 0, { timeoutMs: 1000, topics: [{ name: 'trimmed', partitions: [ask(0, -1n)] }] });
    assert.equal(all.topics[0]!.partitions[0]!.lowWatermark, 6n);
    assert.deepEqual(cluster.partitionState('trimmed', 0)!.logStartOffset, 6);
    await client.close();
  });
});
