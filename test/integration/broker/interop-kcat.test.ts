/**
 * kcat (librdkafka) against the embedded cluster: produce and consume with every codec, reading
 * back exactly what was written, and `kcat -L` listing brokers, topics and partitions exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { kcatConsume, kcatMetadata, kcatProduce, type Compression, type ConsumedRecord, type PeerRecord } from '../../support/peers.js';

function bytes(value: string | Buffer | null | undefined): Buffer | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** `consumed` are exactly `produced`, at offsets first..first+n-1 of one partition. */
function assertSameRecords(consumed: readonly ConsumedRecord[], produced: readonly PeerRecord[], partition: number, firstOffset = 0): void {
  assert.equal(consumed.length, produced.length, 'record count');
  consumed.forEach((record, index) => {
    const expected = produced[index]!;
    assert.equal(record.partition, partition, `partition of record ${index}`);
    assert.equal(record.offset, firstOffset + index, `offset of record ${index}`);
    assert.deepEqual(record.key, bytes(expected.key), `key of record ${index}`);
    assert.deepEqual(record.value, bytes(expected.value), `value of record ${index}`);
    assert.deepEqual(record.headers, (expected.headers ?? []).map(([name, value]) => [name, bytes(value)]), `headers of record ${index}`);
  });
}

const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

describe('kcat against the embedded cluster', () => {
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'listed', partitions: 5 }, ...CODECS.map((codec) => ({ name: `codec-${codec}`, partitions: 2 }))] });
  });
  after(() => cluster.stop());

  for (const codec of CODECS) {
    it(`produces and consumes with ${codec}, byte for byte`, async () => {
      const topic = `codec-${codec}`;
      const records: PeerRecord[] = Array.from({ length: 50 }, (_, index) => ({
        key: index % 5 === 0 ? null : `key-${index}`,
        value: `${codec} value ${index} `.repeat(1 + (index % 7)),
        // kcat sets headers per run: the same for every record keeps them in one run (one batch).
        headers: [
          ['h1', 'one'],
          ['h2', null],
        ],
        partition: 1,
      }));
      const deliveries = await kcatProduce(cluster.bootstrapServers, topic, records, { compression: codec, config: { 'linger.ms': 50 } });
      assert.deepEqual(
        deliveries.map((delivery) => [delivery.partition, delivery.offset, delivery.broker]),
        records.map((_, index) => [1, index, 2]),
      );
      // librdkafka sends a batch uncompressed when compressing does not make it smaller: these do.
      const stored = cluster.batches(topic, 1);
      assert.ok(stored.length > 0);
      assert.deepEqual([...new Set(stored.map((batch) => batch.compression))], [codec]);
      assert.equal(stored.at(-1)!.lastOffset, 49);
      const consumed = await kcatConsume(cluster.bootstrapServers, { topic, partition: 1, exitAtEnd: true });
      assertSameRecords(consumed, records, 1);
    });
  }

  it('lists brokers, topics, partitions, leaders, replicas and ISRs exactly with -L', async () => {
    const metadata = await kcatMetadata(cluster.bootstrapServers, { topic: 'listed' });
    assert.deepEqual(
      metadata.brokers,
      cluster.brokers.map((broker) => ({ id: broker.id, host: broker.host, port: broker.port })),
    );
    assert.equal(metadata.controllerId, 1);
    assert.deepEqual(metadata.topics, [
      {
        name: 'listed',
        error: null,
        partitions: [
          { partition: 0, leader: 1, replicas: [1, 2, 3], isrs: [1, 2, 3], error: null },
          { partition: 1, leader: 2, replicas: [2, 3, 1], isrs: [2, 3, 1], error: null },
          { partition: 2, leader: 3, replicas: [3, 1, 2], isrs: [3, 1, 2], error: null },
          { partition: 3, leader: 1, replicas: [1, 2, 3], isrs: [1, 2, 3], error: null },
          { partition: 4, leader: 2, replicas: [2, 3, 1], isrs: [2, 3, 1], error: null },
        ],
      },
    ]);
    const all = await kcatMetadata(cluster.bootstrapServers);
    assert.deepEqual(all.topics.map((topic) => topic.name), ['codec-gzip', 'codec-lz4', 'codec-none', 'codec-snappy', 'codec-zstd', 'listed']);
  });

  it('consumes from an offset in the middle, and across several partitions', async () => {
    const records: PeerRecord[] = Array.from({ length: 10 }, (_, index) => ({ key: `k${index}`, value: `v${index}`, partition: index % 2 }));
    await kcatProduce(cluster.bootstrapServers, 'listed', records);
    const fromOffset = await kcatConsume(cluster.bootstrapServers, { topic: 'listed', partition: 0, offset: 2, exitAtEnd: true });
    assertSameRecords(fromOffset, records.filter((_, index) => index % 2 === 0).slice(2), 0, 2);
    const everything = await kcatConsume(cluster.bootstrapServers, { topic: 'listed', exitAtEnd: true });
    assert.deepEqual(
      everything.map((record) => `${record.partition}:${record.offset}:${record.value?.toString()}`).sort(),
      records.map((record, index) => `${index % 2}:${Math.floor(index / 2)}:${String(record.value)}`).sort(),
    );
  });
});
