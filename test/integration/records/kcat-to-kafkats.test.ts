/**
 * kcat (librdkafka) writes, kafkats reads: for every codec kcat produces keyed records with
 * headers to librdkafka's mock cluster, and `KafkaClient.fetch` returns exactly those records
 * (offsets, keys, values, headers), with the create times kcat stamped (kcat cannot set them: they
 * lie between the moments before and after its run, and equal what kcat itself reads back), from
 * batches that really are compressed with that codec.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient } from '../../../src/cluster/kafka-client.js';
import { startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { kcatConsume, kcatProduce, type PeerRecord } from '../../support/peers.js';
import { CODECS, expected, fetchRecords, fromFetched, type Codec } from './fetch-all.js';

const TOPIC = 'kcat-written';
const PER_CODEC = 18;

/** Keyed (some null keys), binary and compressible values, three header layouts (one kcat run each). */
function recordsFor(codec: Codec, partition: number): PeerRecord[] {
  return Array.from({ length: PER_CODEC }, (_, index): PeerRecord => {
    const headers: Array<[string, string]> =
      index < 6 ? [['trace', `${codec}-first`], ['empty', '']] : index < 12 ? [['trace', `${codec}-second`], ['dup', 'one'], ['dup', 'two'], ['utf8', 'ünïcødé ✓']] : [];
    return {
      key: index % 5 === 0 ? null : Buffer.from([index, 0, 0xff, partition, 0x5c]),
      value: index % 4 === 3 ? Buffer.from(Array.from({ length: 40 + index }, (_, at) => (at * 37 + index) & 0xff)) : `${codec} record ${index}; `.repeat(15),
      headers,
      partition,
    };
  });
}

describe('kcat produces, kafkats fetches (librdkafka mock cluster)', () => {
  let cluster: TestCluster;
  let client: KafkaClient;
  const written = new Map<Codec, { records: PeerRecord[]; before: number; after: number }>();

  before(async () => {
    cluster = await startTestCluster('rdkafka-mock', { brokers: 3, topics: [{ name: TOPIC, partitions: CODECS.length }] });
    client = new KafkaClient({ bootstrapServers: cluster.bootstrapServers, logLevel: 'silent' });
    for (const [partition, codec] of CODECS.entries()) {
      const records = recordsFor(codec, partition);
      const startedAt = Date.now();
      // linger.ms lets each kcat run put its records in one batch, so batches hold several records.
      const deliveries = await kcatProduce(cluster.bootstrapServers, TOPIC, records, { compression: codec, config: { 'linger.ms': 50 } });
      written.set(codec, { records, before: startedAt, after: Date.now() });
      assert.deepEqual(
        deliveries.map((delivery) => [delivery.partition, delivery.offset]),
        records.map((_, index) => [partition, index]),
      );
    }
  });
  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  for (const [partition, codec] of CODECS.entries()) {
    it(`reads back exactly what kcat wrote with ${codec}`, async () => {
      const { records: sent, before: startedAt, after: endedAt } = written.get(codec)!;
      const { records, batches } = await fetchRecords(client, TOPIC, partition, PER_CODEC);
      assert.deepEqual(records.map(fromFetched), sent.map(expected));
      assert.deepEqual([...new Set(batches.map((batch) => batch.compression))], [codec], 'every batch uses the codec kcat was given');
      assert.deepEqual([...new Set(batches.map((batch) => batch.magic))], [2]);
      assert.ok(batches.length < PER_CODEC, `batches hold several records (${batches.length} batches)`);
      for (const record of records) {
        assert.equal(record.timestampType, 'CreateTime');
        assert.ok(record.timestamp >= startedAt && record.timestamp <= endedAt, `timestamp ${record.timestamp} within kcat's run [${startedAt}, ${endedAt}]`);
      }
      const byKcat = await kcatConsume(cluster.bootstrapServers, { topic: TOPIC, partition, count: PER_CODEC });
      assert.deepEqual(
        records.map((record) => [record.offset, record.timestamp]),
        byKcat.map((record) => [record.offset, record.timestamp]),
        'the timestamps kcat itself reads back',
      );
    });
  }

  it('fetching from the middle of a batch drops the records before the offset', async () => {
    const partition = CODECS.indexOf('lz4');
    const whole = await client.fetch(TOPIC, partition, 0, { maxWaitMs: 0 });
    const firstBatch = whole.batches[0]!;
    assert.ok(firstBatch.lastOffset >= 3, `the first batch spans offsets ${firstBatch.baseOffset}-${firstBatch.lastOffset}`);
    const fromThree = await client.fetch(TOPIC, partition, 3, { maxWaitMs: 0 });
    assert.deepEqual(fromThree.batches[0], firstBatch, 'the broker returned the same batch');
    assert.deepEqual(
      fromThree.records.map(fromFetched),
      written.get('lz4')!.records.slice(3, firstBatch.lastOffset + 1).map((record, index) => expected(record, 3 + index)),
    );
    assert.equal(fromThree.nextOffset, firstBatch.lastOffset + 1);
  });
});
