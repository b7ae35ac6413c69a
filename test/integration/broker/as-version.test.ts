/**
 * asVersion: the embedded cluster advertises and accepts what the chosen Kafka release did, as
 * librdkafka (kcat) sees it, and kcat still produces and consumes exactly, with whatever versions
 * and message formats it negotiates (magic 1 for 0.10.x, converted by the broker both ways).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockCluster } from '../../../src/broker/index.js';
import { kcatApiVersions, kcatConsume, kcatProduce, type PeerRecord } from '../../support/peers.js';

/** A few ranges that tell the releases apart (Produce, Fetch, Metadata, ApiVersions). */
const DISTINCTIVE: Record<string, Array<[number, number, number]>> = {
  '0.10.2': [
    [0, 0, 2],
    [1, 0, 3],
    [3, 0, 2],
    [18, 0, 0],
  ],
  '0.11': [
    [0, 0, 3],
    [1, 0, 5],
    [3, 0, 4],
    [18, 0, 1],
  ],
  '2.1': [
    [0, 0, 7],
    [1, 0, 10],
    [3, 0, 7],
    [18, 0, 2],
  ],
  '2.8': [
    [0, 0, 9],
    [1, 0, 12],
    [3, 0, 11],
    [18, 0, 3],
  ],
  '3.7': [
    [0, 0, 10],
    [1, 0, 16],
    [3, 0, 12],
    [18, 0, 3],
  ],
  '4.0': [
    [0, 0, 11],
    [1, 4, 17],
    [3, 0, 12],
    [18, 0, 4],
  ],
};

describe('asVersion as librdkafka sees it', () => {
  for (const [release, expected] of Object.entries(DISTINCTIVE)) {
    it(`advertises ${release}'s ranges, and kcat produces and consumes exactly`, async () => {
      const cluster = await MockCluster.start({ brokers: 1, asVersion: release, topics: [{ name: 'versioned', partitions: 1 }] });
      try {
        const bootstrap = cluster.bootstrapServers;
        const seen = await kcatApiVersions(bootstrap);
        assert.deepEqual(seen, new Map(await cluster.apiVersions()));
        assert.deepEqual(
          expected.map(([apiKey]) => [apiKey, seen.get(apiKey)?.min, seen.get(apiKey)?.max]),
          expected,
        );
        // 0.10.x brokers take magic 1 messages: the broker converts them to batches and back.
        const records: PeerRecord[] = Array.from({ length: 8 }, (_, index) => ({ key: `k${index}`, value: `value ${index} `.repeat(10), partition: 0 }));
        const deliveries = await kcatProduce(bootstrap, 'versioned', records, { compression: 'gzip' });
        assert.deepEqual(deliveries.map((delivery) => delivery.offset), records.map((_, index) => index));
        const consumed = await kcatConsume(bootstrap, { topic: 'versioned', partition: 0, exitAtEnd: true });
        assert.deepEqual(
          consumed.map((record) => [record.offset, record.key?.toString(), record.value?.toString()]),
          records.map((record, index) => [index, record.key, record.value]),
        );
      } finally {
        await cluster.stop();
      }
    });
  }
});
