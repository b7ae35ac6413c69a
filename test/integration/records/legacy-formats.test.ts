/**
 * The legacy record formats through old Produce and Fetch versions. librdkafka 2.0.2's mock keeps
 * only magic 2 batches, so the round trips run on the embedded broker (`MockCluster`), which
 * behaves as the release `asVersion` names: a 0.10.2 broker takes magic 0/1 message sets through
 * Produce v0-v2 and serves them through Fetch v0-v3; a 2.8 broker down-converts its batches for old
 * fetchers. kafka-python, pinned to api_version 0.10 (Fetch v2, magic 1) or 0.9 (Fetch v1, magic 0),
 * reads what kafkats wrote. Also: what librdkafka's mock and a 4.0 broker answer to a legacy produce.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaClient, KafkaFetchError, type KafkaClientOptions, type ProduceRecord } from '../../../src/cluster/kafka-client.js';
import { KafkaConnectionError, KafkaProtocolError, KafkaTimeoutError, KafkaUnsupportedVersionError } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { startTestCluster, type TestCluster } from '../../support/cluster-under-test.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../support/embedded-cluster.js';
import { kafkaPythonConsume, type ConsumedRecord } from '../../support/peers.js';
import { fetchRecords } from './fetch-all.js';

const TOPIC_OLD = 'old';
const LEGACY_CODECS = ['none', 'gzip', 'snappy', 'lz4'] as const;
const BASE_TIMESTAMP = 1_600_000_000_000;
const COUNT = 9;

function legacyRecords(label: string): ProduceRecord[] {
  return Array.from({ length: COUNT }, (_, index) => ({
    key: index % 4 === 0 ? null : `${label}-key-${index}`,
    value: index === 5 ? null : index % 3 === 0 ? Buffer.from([0, index, 0xff, 0x80]) : `${label} value ${index} `.repeat(10),
    timestamp: BASE_TIMESTAMP + index * 1000,
  }));
}

const bytes = (value: string | Uint8Array | null | undefined): Buffer | null => (value === null || value === undefined ? null : Buffer.from(value));

/** [offset, key, value, timestamp, timestampType] as each side reports them. */
function fromProduced(records: readonly ProduceRecord[], magic: 0 | 1): Array<[number, Buffer | null, Buffer | null, number, string]> {
  return records.map((record, offset) => [offset, bytes(record.key), bytes(record.value), magic === 0 ? -1 : record.timestamp!, magic === 0 ? 'NoTimestampType' : 'CreateTime']);
}

function fromPython(records: readonly ConsumedRecord[]): Array<[number, Buffer | null, Buffer | null, number | null, string | null]> {
  return records.map((record) => [record.offset, record.key, record.value, record.timestamp, record.timestampType]);
}

function usedVersion(info: Awaited<ReturnType<KafkaClient['apiVersions']>>, apiKey: number): number | null {
  return info.apis.find((row) => row.apiKey === apiKey)?.chosen ?? null;
}

describe('legacy record formats', () => {
  const clients: KafkaClient[] = [];
  const clientFor = (bootstrapServers: string, options: Partial<KafkaClientOptions> = {}): KafkaClient => {
    const client = new KafkaClient({ bootstrapServers, logLevel: 'silent', ...options });
    clients.push(client);
    return client;
  };
  after(() => Promise.all(clients.map((client) => client.close())));

  describe('a 0.10.2 broker (embedded): magic 1 through Produce v2 / Fetch v3, magic 0 through v1 / v1', () => {
    let cluster: EmbeddedCluster;
    before(async () => {
      cluster = await startEmbeddedCluster({ brokers: 1, topics: [{ name: TOPIC_OLD, partitions: 2 * LEGACY_CODECS.length }], mock: { asVersion: '0.10.2' } });
    });
    after(() => cluster?.stop());

    it('negotiates Produce v2 and Fetch v3 without pins, v1 and v1 with them', async () => {
      const negotiated = await clientFor(cluster.bootstrapServers).apiVersions();
      assert.deepEqual([usedVersion(negotiated, ApiKey.Produce), usedVersion(negotiated, ApiKey.Fetch)], [2, 3]);
      const pinned = await clientFor(cluster.bootstrapServers, { maxApiVersions: { Produce: 1, Fetch: 1 } }).apiVersions();
      assert.deepEqual([usedVersion(pinned, ApiKey.Produce), usedVersion(pinned, ApiKey.Fetch)], [1, 1]);
    });

    for (const [index, codec] of LEGACY_CODECS.entries()) {
      it(`magic 1 with ${codec}: kafkats writes, kafkats and kafka-python (api_version 0.10) read`, async () => {
        const partition = index;
        const client = clientFor(cluster.bootstrapServers);
        const records = legacyRecords(`m1-${codec}`);
        assert.deepEqual(await client.produce(TOPIC_OLD, partition, records.slice(0, 4), { compression: codec }), { baseOffset: 0, logAppendTime: -1, logStartOffset: -1 });
        assert.equal((await client.produce(TOPIC_OLD, partition, records.slice(4), { compression: codec })).baseOffset, 4);
        assert.deepEqual(cluster.mock.batches(TOPIC_OLD, partition).map((batch) => [batch.baseOffset, batch.lastOffset, batch.compression]), [
          [0, 3, codec],
          [4, 8, codec],
        ]);

        const { records: fetched, batches } = await fetchRecords(client, TOPIC_OLD, partition, COUNT);
        assert.deepEqual(
          fetched.map((record) => [record.offset, bytes(record.key), bytes(record.value), record.timestamp, record.timestampType]),
          fromProduced(records, 1),
        );
        assert.deepEqual([...new Set(fetched.map((record) => record.magic))], [1]);
        assert.deepEqual([...new Set(batches.map((batch) => `${batch.magic}/${batch.compression}`))], [`1/${codec}`]);

        const byPython = await kafkaPythonConsume(cluster.bootstrapServers, { topic: TOPIC_OLD, partitions: [partition], count: COUNT, config: { api_version: [0, 10] } });
        assert.deepEqual(fromPython(byPython), fromProduced(records, 1).map(([offset, key, value, timestamp]) => [offset, key, value, timestamp, 'create']));
      });

      it(`magic 0 with ${codec}: kafkats pinned to Produce v1 / Fetch v1 writes and reads, kafka-python (api_version 0.9) reads`, async () => {
        const partition = LEGACY_CODECS.length + index;
        const client = clientFor(cluster.bootstrapServers, { maxApiVersions: { Produce: 1, Fetch: 1 } });
        const records = legacyRecords(`m0-${codec}`);
        assert.deepEqual(await client.produce(TOPIC_OLD, partition, records, { compression: codec }), { baseOffset: 0, logAppendTime: -1, logStartOffset: -1 });
        const { records: fetched, batches } = await fetchRecords(client, TOPIC_OLD, partition, COUNT);
        assert.deepEqual(
          fetched.map((record) => [record.offset, bytes(record.key), bytes(record.value), record.timestamp, record.timestampType]),
          fromProduced(records, 0),
        );
        assert.deepEqual([...new Set(batches.map((batch) => `${batch.magic}/${batch.compression}`))], [`0/${codec}`]);
        const byPython = await kafkaPythonConsume(cluster.bootstrapServers, { topic: TOPIC_OLD, partitions: [partition], count: COUNT, config: { api_version: [0, 9] } });
        assert.deepEqual(
          byPython.map((record) => [record.offset, record.key, record.value]),
          records.map((record, offset) => [offset, bytes(record.key), bytes(record.value)]),
        );
        assert.deepEqual([...new Set(byPython.map((record) => `${String(record.timestamp)}/${String(record.timestampType)}`))], ['null/null'], 'magic 0 has no timestamps');
      });
    }

    it('refuses zstd and headers in legacy formats with typed errors, sending nothing', async () => {
      const client = clientFor(cluster.bootstrapServers);
      await assert.rejects(client.produce(TOPIC_OLD, 0, [{ value: 'v' }], { compression: 'zstd' }), (error: unknown) => {
        assert.ok(error instanceof KafkaUnsupportedVersionError);
        assert.match(error.message, /zstd compression needs Produce v7\+ \(Kafka 2\.1\); broker 1 \(.*\) uses Produce v2/);
        return true;
      });
      await assert.rejects(client.produce(TOPIC_OLD, 0, [{ value: 'v', headers: [{ key: 'h', value: 'x' }] }]), /record headers need record batches \(magic 2, Produce v3\+, Kafka 0\.11\)/);
      assert.equal((await client.listOffsets(TOPIC_OLD, 0, 'latest')).offset, COUNT, 'nothing was appended');
    });
  });

  describe('record batches read through old Fetch versions (embedded, as Kafka 2.8)', () => {
    let cluster: EmbeddedCluster;
    const records: ProduceRecord[] = Array.from({ length: 6 }, (_, index) => ({
      key: `key-${index}`,
      value: `value ${index}`,
      headers: [{ key: 'dropped', value: 'by down-conversion' }],
      timestamp: BASE_TIMESTAMP + index,
    }));
    before(async () => {
      cluster = await startEmbeddedCluster({ brokers: 1, topics: [{ name: 'modern', partitions: 2 }], mock: { asVersion: '2.8' } });
      const writer = clientFor(cluster.bootstrapServers);
      assert.equal((await writer.produce('modern', 0, records, { compression: 'snappy' })).baseOffset, 0);
      assert.equal((await writer.produce('modern', 1, records, { compression: 'zstd' })).baseOffset, 0);
    });
    after(() => cluster?.stop());

    for (const [fetchVersion, magic] of [
      [3, 1],
      [1, 0],
    ] as const) {
      it(`Fetch v${fetchVersion} gets magic ${magic} messages: same offsets, keys and values, no headers`, async () => {
        const { records: fetched, batches } = await fetchRecords(clientFor(cluster.bootstrapServers, { maxApiVersions: { Fetch: fetchVersion } }), 'modern', 0, records.length);
        assert.deepEqual(
          fetched.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.timestamp, record.headers.length, record.magic]),
          records.map((record, offset) => [offset, record.key, record.value, magic === 0 ? -1 : record.timestamp, 0, magic]),
        );
        assert.deepEqual([...new Set(batches.map((batch) => batch.compression))], ['snappy']);
      });
    }

    it('kafka-python with api_version 0.10 reads the down-converted messages', async () => {
      const byPython = await kafkaPythonConsume(cluster.bootstrapServers, { topic: 'modern', partitions: [0], count: records.length, config: { api_version: [0, 10] } });
      assert.deepEqual(
        byPython.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.timestamp, record.headers.length]),
        records.map((record, offset) => [offset, record.key, record.value, record.timestamp, 0]),
      );
    });

    it('a zstd batch cannot be served to Fetch v3: a typed error naming topic-partition and offset', async () => {
      const old = clientFor(cluster.bootstrapServers, { maxApiVersions: { Fetch: 3 } });
      await assert.rejects(old.fetch('modern', 1, 2, { maxWaitMs: 0 }), (error: unknown) => {
        assert.ok(error instanceof KafkaFetchError);
        assert.deepEqual([error.errorName, error.location?.topic, error.location?.partition, error.offset], ['UNSUPPORTED_COMPRESSION_TYPE', 'modern', 1, 2]);
        return true;
      });
      const modern = await clientFor(cluster.bootstrapServers).fetch('modern', 1, 2, { maxWaitMs: 0 });
      assert.deepEqual(modern.records.map((record) => record.offset), [2, 3, 4, 5]);
    });
  });

  describe('legacy produces to brokers that refuse them', () => {
    let rdkafka: TestCluster;
    let kafka40: EmbeddedCluster;
    before(async () => {
      rdkafka = await startTestCluster('rdkafka-mock', { brokers: 1, topics: [{ name: 'batches-only', partitions: 1 }] });
      kafka40 = await startEmbeddedCluster({ brokers: 1, topics: [{ name: 'batches-only', partitions: 1 }] });
    });
    after(async () => {
      await rdkafka?.stop();
      await kafka40?.stop();
    });

    it("librdkafka's mock answers UNSUPPORTED_VERSION for magic 1 messages; the client stays usable", async () => {
      const client = clientFor(rdkafka.bootstrapServers, { maxApiVersions: { Produce: 2 } });
      await assert.rejects(client.produce('batches-only', 0, [{ key: 'k', value: 'v', timestamp: BASE_TIMESTAMP }]), (error: unknown) => {
        assert.ok(error instanceof KafkaProtocolError);
        assert.equal(error.message, 'UNSUPPORTED_VERSION (batches-only-0, Produce)');
        return true;
      });
      assert.equal((await client.listOffsets('batches-only', 0, 'latest')).offset, 0, 'nothing was appended');
      // The same client still writes batches when asked for magic 2... which needs Produce v3+.
      await assert.rejects(client.produce('batches-only', 0, [{ value: 'v' }], { magic: 2 }), KafkaUnsupportedVersionError);
      const modern = clientFor(rdkafka.bootstrapServers);
      assert.equal((await modern.produce('batches-only', 0, [{ value: 'batch' }])).baseOffset, 0);
      const read = await clientFor(rdkafka.bootstrapServers, { maxApiVersions: { Fetch: 3 } }).fetch('batches-only', 0, 0, { maxWaitMs: 0 });
      assert.deepEqual(
        read.records.map((record) => [record.offset, record.value?.toString(), record.magic]),
        [[0, 'batch', 2]],
        'the rdkafka mock serves magic 2 even at Fetch v3, and kafkats reads it',
      );
    });

    it('on the same 4.0 broker an unpinned client writes batches and reads them by topic id (Fetch v13+)', async () => {
      const client = clientFor(kafka40.bootstrapServers);
      const versions = await client.apiVersions();
      assert.ok((usedVersion(versions, ApiKey.Fetch) ?? 0) >= 13, 'Fetch names topics by id from v13');
      const records = [{ key: 'k', value: 'by id', headers: [{ key: 'h', value: 'kept' }], timestamp: BASE_TIMESTAMP }];
      assert.equal((await client.produce('batches-only', 0, records, { compression: 'zstd' })).baseOffset, 0);
      const read = await client.fetch('batches-only', 0, 0, { maxWaitMs: 0 });
      assert.deepEqual(
        read.records.map((record) => [record.offset, record.key?.toString(), record.value?.toString(), record.headers.map((h) => [h.key, h.value?.toString()]), record.timestamp]),
        [[0, 'k', 'by id', [['h', 'kept']], BASE_TIMESTAMP]],
      );
      assert.deepEqual([read.highWatermark, read.nextOffset, read.batches[0]?.compression], [1, 1, 'zstd']);
    });

    it('a 4.0 broker closes the connection on Produce v2: retried until the timeout, then a typed error', async () => {
      const client = clientFor(kafka40.bootstrapServers, { maxApiVersions: { Produce: 2 } });
      await assert.rejects(client.produce('batches-only', 0, [{ value: 'v' }], { timeoutMs: 1500 }), (error: unknown) => {
        assert.ok(error instanceof KafkaTimeoutError);
        assert.match(error.message, /^Produce to batches-only-0 did not succeed within 1500 ms/);
        assert.ok(error.cause instanceof KafkaConnectionError);
        return true;
      });
      assert.equal((await client.listOffsets('batches-only', 0, 'latest')).offset, 1, 'only the batch of the test before');
    });
  });
});
