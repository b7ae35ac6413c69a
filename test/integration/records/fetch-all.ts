/**
 * Shared by the record-format interop suites: reading a partition with `KafkaClient.fetch` up to
 * a known number of records, and the exact form records are compared in.
 */
import assert from 'node:assert/strict';
import type { FetchedBatch, FetchedRecord, KafkaClient, PartitionFetchOptions } from '../../../src/cluster/kafka-client.js';
import type { ConsumedRecord, PeerRecord } from '../../support/peers.js';

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

/**
 * Fetches from `offset` until `count` records have come back, as a consumer would (the rdkafka
 * mock returns one batch per fetch). Fails if a fetch makes no progress: the records are known to
 * be there.
 */
export async function fetchRecords(
  client: KafkaClient,
  topic: string,
  partition: number,
  count: number,
  options: PartitionFetchOptions & { offset?: number } = {},
): Promise<{ records: FetchedRecord[]; batches: FetchedBatch[]; fetches: number }> {
  const records: FetchedRecord[] = [];
  const batches: FetchedBatch[] = [];
  let offset = options.offset ?? 0;
  let fetches = 0;
  while (records.length < count) {
    const result = await client.fetch(topic, partition, offset, { maxWaitMs: 200, ...options });
    fetches++;
    assert.ok(result.nextOffset > offset, `the fetch at ${offset} of ${topic}-${partition} made progress (${records.length} of ${count} records so far)`);
    records.push(...result.records);
    batches.push(...result.batches);
    offset = result.nextOffset;
  }
  return { records, batches, fetches };
}

const bytes = (value: string | Buffer | null | undefined): Buffer | null => (value === null || value === undefined ? null : Buffer.from(value));

/** A record as [offset, key, value, headers], bytes exact, for deepEqual. */
export type ComparableRecord = [number, Buffer | null, Buffer | null, Array<[string, Buffer | null]>];

export function fromFetched(record: FetchedRecord): ComparableRecord {
  return [record.offset, bytes(record.key), bytes(record.value), record.headers.map((header) => [header.key, bytes(header.value)])];
}

export function fromPeer(record: ConsumedRecord): ComparableRecord {
  return [record.offset, record.key, record.value, record.headers.map(([key, value]) => [key, value])];
}

/** What a peer record should read back as, at `offset`. */
export function expected(record: PeerRecord, offset: number): ComparableRecord {
  return [offset, bytes(record.key), bytes(record.value), (record.headers ?? []).map(([key, value]) => [key, bytes(value)])];
}
