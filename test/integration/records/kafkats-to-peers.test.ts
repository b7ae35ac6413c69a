/**
 * kafkats writes, the peers read: `KafkaClient.produce` writes record batches with every codec to
 * librdkafka's mock cluster, and kcat (librdkafka) and kafka-python read back exactly those
 * records: offsets, keys, values, headers (binary and null values included) and the timestamps
 * kafkats set. The batches on the broker carry the codec asked for (read back with fetch).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, type ProduceRecord } from '../../../src/cluster/kafka-client.js';
import { startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kafkaPythonConsume, kcatConsume, type ConsumedRecord } from '../../support/peers.js';
import { CODECS, fetchRecords, fromFetched, fromPeer, type Codec, type ComparableRecord } from './fetch-all.js';

const TOPIC = 'kafkats-written';
const BASE_TIMESTAMP = 1_650_000_000_000;
/** Three produce calls per codec: three batches. */
const CALLS = [7, 1, 12];
const PER_CODEC = CALLS.reduce((sum, count) => sum + count, 0);

function recordsFor(codec: Codec, partition: number): ProduceRecord[] {
  return Array.from({ length: PER_CODEC }, (_, index): ProduceRecord => ({
    key: index % 6 === 0 ? null : index % 6 === 1 ? '' : Buffer.from([partition, index, 0, 0xfe]),
    value: index % 5 === 4 ? null : index % 3 === 0 ? Buffer.from(Array.from({ length: 30 + index }, (_, at) => (at * 11 + index) & 0xff)) : `${codec}:${index} `.repeat(25),
    headers:
      index % 4 === 0
        ? []
        : [
            { key: 'codec', value: codec },
            { key: 'binary', value: Buffer.from([0, index, 0xff]) },
            { key: 'null', value: null },
            { key: 'codec', value: 'repeated' },
          ],
    timestamp: BASE_TIMESTAMP + partition * 1000 + index * 7,
  }));
}

function expectedOf(record: ProduceRecord, offset: number): ComparableRecord {
  const bytes = (value: string | Uint8Array | null | undefined): Buffer | null => (value === null || value === undefined ? null : Buffer.from(value));
  return [offset, bytes(record.key), bytes(record.value), (record.headers ?? []).map((header) => [header.key, bytes(header.value)])];
}

function timestamps(records: readonly ConsumedRecord[]): Array<[number, number | null, string | null]> {
  return records.map((record) => [record.offset, record.timestamp, record.timestampType]);
}

describe('kafkats produces, kcat and kafka-python consume (librdkafka mock cluster)', () => {
  let cluster: TestCluster;
  let client: KafkaClient;
  const written = new Map<Codec, ProduceRecord[]>();

  before(async () => {
    cluster = await startTestCluster('rdkafka-mock', { brokers: 3, topics: [{ name: TOPIC, partitions: CODECS.length + 1 }] });
    client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers, logLevel: 'silent' });
    for (const [partition, codec] of CODECS.entries()) {
      const records = recordsFor(codec, partition);
      written.set(codec, records);
      let next = 0;
      for (const count of CALLS) {
        const result = await client.produce(TOPIC, partition, records.slice(next, next + count), { compression: codec, acks: 'all' });
        assert.deepEqual(result, { baseOffset: next, logAppendTime: 1234, logStartOffset: 0 }, 'the rdkafka mock always reports LogAppendTime 1234');
        next += count;
      }
    }
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  for (const [partition, codec] of CODECS.entries()) {
    it(`kcat and kafka-python read exactly what kafkats wrote with ${codec}`, async () => {
      const records = written.get(codec)!;
      const wanted = records.map(expectedOf);
      const wantedTimes = records.map((record, offset) => [offset, record.timestamp!, 'create']);

      const { records: fetched, batches } = await fetchRecords(client, TOPIC, partition, PER_CODEC);
      assert.deepEqual(fetched.map(fromFetched), wanted, 'kafkats itself');
      assert.deepEqual(
        fetched.map((record) => [record.offset, record.timestamp, record.timestampType]),
        records.map((record, offset) => [offset, record.timestamp!, 'CreateTime']),
      );
      assert.deepEqual(
        batches.map((batch) => [batch.baseOffset, batch.lastOffset, batch.magic, batch.compression]),
        [
          [0, 6, 2, codec],
          [7, 7, 2, codec],
          [8, 19, 2, codec],
        ],
      );

      const byKcat = await kcatConsume(cluster.bootstrapServers, { topic: TOPIC, partition, count: PER_CODEC });
      assert.deepEqual(byKcat.map(fromPeer), wanted, 'kcat');
      assert.deepEqual(timestamps(byKcat), wantedTimes, 'kcat timestamps');

      const byPython = await kafkaPythonConsume(cluster.bootstrapServers, { topic: TOPIC, partitions: [partition], count: PER_CODEC });
      assert.deepEqual(byPython.map(fromPeer), wanted, 'kafka-python');
      assert.deepEqual(timestamps(byPython), wantedTimes, 'kafka-python timestamps');
    });
  }

  it('acks 0 and 1: the records arrive either way', async () => {
    const partition = CODECS.length;
    // librdkafka 2.0.2's mock answers even acks=0 produces (Kafka does not). The answer matches no
    // request in flight, so the connection closes: the fire-and-forget produce gets a client of its own.
    const sender = new KafkaClient({ bootstrapServers: cluster.bootstrapServers, logLevel: 'silent' });
    try {
      const first = await sender.produce(TOPIC, partition, [{ key: 'k0', value: 'fire and forget', timestamp: BASE_TIMESTAMP }], { acks: 0 });
      assert.deepEqual(first, { baseOffset: -1, logAppendTime: -1, logStartOffset: -1 });
    } finally {
      await sender.close();
    }
    // Nothing acknowledged the record: long-poll until it is there (bounded).
    let arrived = 0;
    for (let poll = 0; poll < 50 && arrived === 0; poll++) arrived = (await client.fetch(TOPIC, partition, 0, { maxWaitMs: 100 })).records.length;
    assert.equal(arrived, 1);
    const second = await client.produce(TOPIC, partition, [{ key: 'k1', value: 'leader only', timestamp: BASE_TIMESTAMP + 1 }], { acks: 1, compression: 'gzip' });
    assert.equal(second.baseOffset, 1);
    const { records } = await fetchRecords(client, TOPIC, partition, 2);
    assert.deepEqual(
      records.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.timestamp]),
      [
        [0, 'k0', 'fire and forget', BASE_TIMESTAMP],
        [1, 'k1', 'leader only', BASE_TIMESTAMP + 1],
      ],
    );
    const byPython = await kafkaPythonConsume(cluster.bootstrapServers, { topic: TOPIC, partitions: [partition], count: 2 });
    assert.deepEqual(byPython.map((record) => record.value?.toString()), ['fire and forget', 'leader only']);
  });
});
