import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { Fetch } from '../../../../src/protocol/generated/fetch.js';
import { Produce, type ProduceResponse } from '../../../../src/protocol/generated/produce.js';
import { LegacyMessageSetBuilder, TimestampType, crc32c } from '../../../../src/records/index.js';
import { batchOf, batchesIn, connectTo, recordsIn, values } from '../fixtures.js';
import type { RawClient } from '../raw-client.js';

/** [index, errorCode, baseOffset, logStartOffset] of every partition of the answer. */
function outcome(response: ProduceResponse): Array<[number, number, number, number]> {
  return response.responses.flatMap((topic) =>
    topic.partitionResponses.map((p): [number, number, number, number] => [p.index, p.errorCode, Number(p.baseOffset), Number(p.logStartOffset)]),
  );
}

function produceRequest(topic: string, partition: number, records: Buffer | null, acks = -1) {
  return { acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

async function fetchAll(client: RawClient, topic: string, partition: number) {
  const response = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    maxBytes: 10_000_000,
    topics: [{ topic, partitions: [{ partition, fetchOffset: 0n, partitionMaxBytes: 10_000_000 }] }],
  });
  return response.responses[0]!.partitions[0]!;
}

describe('Produce', () => {
  let cluster: MockCluster;
  let leader: RawClient;
  before(async () => {
    cluster = await MockCluster.start({
      brokers: 2,
      topics: [
        { name: 'plain', partitions: 2, replicationFactor: 2 },
        { name: 'rejects', partitions: 1 },
        { name: 'idempotent', partitions: 1 },
        { name: 'appended', partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
        { name: 'compacted', partitions: 1, configs: { 'cleanup.policy': 'compact' } },
        { name: 'small', partitions: 1, configs: { 'retention.bytes': '300', 'max.message.bytes': '2000' } },
      ],
    });
    leader = await connectTo(cluster, 1);
  });
  after(async () => {
    await leader.close();
    await cluster.stop();
  });

  it('appends batches as received, writing base offset and leader epoch', async () => {
    const first = await batchOf(values('a', 3), { compression: 'gzip' });
    const second = await batchOf(values('b', 2));
    assert.deepEqual(outcome(await leader.send(Produce, 9, produceRequest('plain', 0, first))), [[0, 0, 0, 0]]);
    assert.deepEqual(outcome(await leader.send(Produce, 3, produceRequest('plain', 0, second, 1))), [[0, 0, 3, -1]]);
    const fetched = await fetchAll(leader, 'plain', 0);
    assert.equal(fetched.highWatermark, 5n);
    const batches = batchesIn(fetched.records);
    assert.deepEqual(
      batches.map((batch) => [batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch, batch.compression]),
      [
        [0, 2, 0, 1],
        [3, 4, 0, 0],
      ],
    );
    // Everything but the offset and epoch fields is the producer's bytes.
    assert.deepEqual(batches[0]!.buffer.subarray(17), first.subarray(17));
    assert.deepEqual(recordsIn(fetched.records), [
      [0, 'a-0'],
      [1, 'a-1'],
      [2, 'a-2'],
      [3, 'b-0'],
      [4, 'b-1'],
    ]);
  });

  it('answers NOT_LEADER_OR_FOLLOWER with the leader (v10+) and UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const follower = await connectTo(cluster, 2);
    const response = await follower.send(Produce, 10, produceRequest('plain', 0, await batchOf(values('x', 1))));
    const partition = response.responses[0]!.partitionResponses[0]!;
    assert.equal(partition.errorCode, 6);
    assert.deepEqual([partition.currentLeader.leaderId, partition.currentLeader.leaderEpoch], [1, 0]);
    assert.deepEqual(
      response.nodeEndpoints.map((node) => [node.nodeId, node.port]),
      [[1, cluster.brokers[0]!.port]],
    );
    const older = await follower.send(Produce, 9, produceRequest('plain', 0, await batchOf(values('x', 1))));
    assert.deepEqual(outcome(older), [[0, 6, -1, -1]]);
    assert.deepEqual(outcome(await follower.send(Produce, 9, produceRequest('plain', 7, await batchOf(values('x', 1))))), [[7, 3, -1, -1]]);
    assert.deepEqual(outcome(await follower.send(Produce, 9, produceRequest('nowhere', 0, await batchOf(values('x', 1))))), [[0, 3, -1, -1]]);
    await follower.close();
  });

  it('refuses malformed batches with Kafka\'s codes and appends nothing', async () => {
    const good = await batchOf(values('ok', 2));
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1]! ^= 0xff;
    const nonZeroBase = Buffer.from(good);
    nonZeroBase.writeBigInt64BE(5n, 0);
    const wrongCount = Buffer.from(good);
    wrongCount.writeInt32BE(3, 57);
    wrongCount.writeUInt32BE(crc32c(wrongCount, 21, wrongCount.length), 17);
    const control = await batchOf([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { isControl: true });
    const zstd = await batchOf(values('z', 1), { compression: 'zstd' });
    const legacy = new LegacyMessageSetBuilder({ magic: 1 });
    legacy.append({ value: 'old' });
    const cases: Array<[string, number, Buffer | null, number]> = [
      ['bad CRC', 9, badCrc, 2],
      ['base offset not 0', 9, nonZeroBase, 87],
      ['count does not match the offsets', 9, wrongCount, 87],
      ['control batch', 9, control, 87],
      ['two batches', 9, Buffer.concat([good, good]), 87],
      ['magic 1 in v3+', 9, legacy.closeSync(), 87],
      ['zstd before v7', 6, zstd, 76],
      ['no batch', 9, Buffer.alloc(0), 87],
      ['size field below the minimum', 9, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 2],
    ];
    for (const [name, version, records, code] of cases) {
      const response = await leader.send(Produce, version, produceRequest('rejects', 0, records));
      assert.deepEqual(outcome(response).map(([, errorCode]) => errorCode), [code], name);
    }
    assert.equal(cluster.partitionState('rejects', 0)!.highWatermark, 0);
    assert.deepEqual(outcome(await leader.send(Produce, 9, produceRequest('rejects', 0, good, 5))), [[0, 21, -1, -1]]);
    const tooLarge = await batchOf([{ value: Buffer.alloc(3000) }]);
    const response = await leader.send(Produce, 9, produceRequest('small', 0, tooLarge));
    assert.deepEqual(outcome(response), [[0, 10, -1, -1]]);
    assert.match(response.responses[0]!.partitionResponses[0]!.errorMessage ?? '', /exceeds the maximum configured value of 2000/);
  });

  it('reports per-record errors (v8+): timestamps out of range and keyless records on compacted topics', async () => {
    const now = Date.now();
    const future = await batchOf([
      { value: 'fine', timestamp: now },
      { value: 'from the future', timestamp: now + 2 * 3600_000 },
    ]);
    const response = await leader.send(Produce, 8, produceRequest('rejects', 0, future));
    const partition = response.responses[0]!.partitionResponses[0]!;
    assert.equal(partition.errorCode, 32);
    assert.deepEqual(partition.recordErrors.map((error) => error.batchIndex), [1]);
    assert.match(partition.recordErrors[0]!.batchIndexErrorMessage ?? '', /is out of range/);
    assert.equal(partition.errorMessage, 'One or more records have been rejected due to invalid timestamp');

    const keyless = await batchOf([{ key: 'k', value: '1' }, { value: '2' }, { value: '3' }]);
    const compacted = (await leader.send(Produce, 9, produceRequest('compacted', 0, keyless))).responses[0]!.partitionResponses[0]!;
    assert.equal(compacted.errorCode, 87);
    assert.deepEqual(compacted.recordErrors.map((error) => error.batchIndex), [1, 2]);
    assert.equal(cluster.partitionState('compacted', 0)!.highWatermark, 0);
  });

  it('stamps LogAppendTime topics and answers with the append time', async () => {
    const before = Date.now();
    const response = await leader.send(Produce, 9, produceRequest('appended', 0, await batchOf(values('t', 2, 1000))));
    const appendTime = Number(response.responses[0]!.partitionResponses[0]!.logAppendTimeMs);
    assert.ok(appendTime >= before && appendTime <= Date.now(), `append time ${appendTime}`);
    const batch = batchesIn((await fetchAll(leader, 'appended', 0)).records)[0]!;
    assert.equal(batch.timestampType, TimestampType.LogAppendTime);
    assert.deepEqual(batch.recordsSync().map((record) => record.timestamp), [appendTime, appendTime]);
  });

  it('deduplicates and orders an idempotent producer\'s batches, remembering the last five', async () => {
    const send = async (epoch: number, sequence: number, count = 1) => {
      const batch = await batchOf(values(`s${sequence}`, count), { producerId: 42, producerEpoch: epoch, baseSequence: sequence });
      return outcome(await leader.send(Produce, 9, produceRequest('idempotent', 0, batch)))[0]!.slice(1, 3);
    };
    assert.deepEqual(await send(0, 0, 2), [0, 0]);
    assert.deepEqual(await send(0, 2), [0, 2]);
    assert.deepEqual(await send(0, 0, 2), [0, 0], 'a retried batch gets its first offset');
    assert.deepEqual(await send(0, 5), [45, -1], 'a gap in the sequence');
    for (let sequence = 3; sequence <= 7; sequence++) assert.deepEqual(await send(0, sequence), [0, sequence]);
    assert.deepEqual(await send(0, 3), [0, 3], 'the fifth batch back is still known');
    assert.deepEqual(await send(0, 2), [45, -1], 'the sixth is forgotten');
    assert.deepEqual(await send(1, 4), [45, -1], 'a new epoch starts at sequence 0');
    assert.deepEqual(await send(1, 0), [0, 8]);
    assert.deepEqual(await send(0, 8), [47, -1], 'an older epoch is fenced');
    assert.equal(cluster.partitionState('idempotent', 0)!.highWatermark, 9);
  });

  it('refuses transactional batches: the whole request without a transactional id, the partition with one', async () => {
    const transactional = await batchOf(values('txn', 1), { producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    const request = {
      ...produceRequest('rejects', 0, transactional),
      topicData: [
        { name: 'rejects', partitionData: [{ index: 0, records: transactional }] },
        { name: 'plain', partitionData: [{ index: 0, records: await batchOf(values('n', 1)) }] },
      ],
    };
    assert.deepEqual(outcome(await leader.send(Produce, 9, request)).map(([, code]) => code), [53, 53]);
    assert.deepEqual(outcome(await leader.send(Produce, 9, { ...request, transactionalId: 'tx' })).map(([, code]) => code), [48, 0]);
  });

  it('keeps only retention.bytes of a partition, moving the log start offset', async () => {
    const batch = await batchOf([{ value: Buffer.alloc(100), timestamp: Date.now() }]);
    const starts: number[] = [];
    for (let index = 0; index < 4; index++) starts.push(outcome(await leader.send(Produce, 9, produceRequest('small', 0, batch)))[0]![3]);
    assert.equal(batch.length, 170);
    // 300 bytes hold one 170-byte batch: each append drops the one before.
    assert.deepEqual(starts, [0, 1, 2, 3]);
    assert.deepEqual(cluster.partitionState('small', 0), {
      topic: 'small',
      partition: 0,
      leader: 1,
      leaderEpoch: 0,
      replicas: [1, 2],
      isr: [1, 2],
      logStartOffset: 3,
      highWatermark: 4,
      sizeInBytes: 170,
    });
  });

  it('sends nothing back for acks=0, and closes the connection when such a produce fails', async () => {
    const client = await connectTo(cluster, 1);
    client.sendWithoutAnswer(Produce, 9, produceRequest('rejects', 0, await batchOf(values('quiet', 1)), 0));
    const after = await fetchAll(client, 'rejects', 0);
    assert.deepEqual(recordsIn(after.records).map(([, value]) => value).slice(-1), ['quiet-0']);
    client.sendWithoutAnswer(Produce, 9, produceRequest('nowhere', 0, await batchOf(values('quiet', 1)), 0));
    await client.closed;
    assert.equal(client.unexpectedAnswers, 0);
  });

  it('converts a legacy message set (Produce v2 to a 2.1 broker) into one record batch', async () => {
    const old = await MockCluster.start({ brokers: 1, asVersion: '2.1', topics: [{ name: 'legacy', partitions: 1 }] });
    const client = await connectTo(old, 1);
    const set = new LegacyMessageSetBuilder({ magic: 1, compression: 'gzip' });
    set.append({ key: 'k1', value: 'v1', timestamp: 1000 });
    set.append({ key: null, value: 'v2', timestamp: 2000 });
    assert.deepEqual(outcome(await client.send(Produce, 2, produceRequest('legacy', 0, set.closeSync()))), [[0, 0, 0, -1]]);
    const fetched = await client.send(Fetch, 4, {
      maxWaitMs: 0,
      maxBytes: 1_000_000,
      topics: [{ topic: 'legacy', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1_000_000 }] }],
    });
    const batches = batchesIn(fetched.responses[0]!.partitions[0]!.records);
    assert.deepEqual(batches.map((batch) => [batch.magic, batch.baseOffset, batch.lastOffset, batch.compression]), [[2, 0, 1, 1]]);
    assert.deepEqual(
      batches[0]!.recordsSync().map((record) => [record.offset, record.timestamp, record.key?.toString() ?? null, record.value?.toString()]),
      [
        [0, 1000, 'k1', 'v1'],
        [1, 2000, null, 'v2'],
      ],
    );
    await client.close();
    await old.stop();
  });
});
