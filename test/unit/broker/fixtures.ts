/** Shared helpers of the embedded broker's unit tests: record batches and connections to brokers. */
import type { MockCluster } from '../../../src/broker/index.js';
import { RecordBatchBuilder, type RecordBatchBuilderOptions, type RecordInput } from '../../../src/records/index.js';
import { readRecordBatches, type RecordBatch } from '../../../src/records/index.js';
import { RawClient } from './raw-client.js';

/** A closed record batch (magic 2) holding `records`, as a producer sends it (base offset 0). */
export async function batchOf(records: readonly RecordInput[], options: RecordBatchBuilderOptions = {}): Promise<Buffer> {
  const builder = new RecordBatchBuilder(options);
  for (const record of records) builder.append(record);
  return Buffer.from(await builder.close());
}

/** `count` records with values "<prefix>-0", "<prefix>-1", ... */
export function values(prefix: string, count: number, timestamp = Date.now()): RecordInput[] {
  return Array.from({ length: count }, (_, index) => ({ value: `${prefix}-${index}`, timestamp }));
}

/** A connection to one broker of the cluster. */
export function connectTo(cluster: MockCluster, brokerId: number): Promise<RawClient> {
  const broker = cluster.brokers.find((candidate) => candidate.id === brokerId);
  if (!broker) throw new Error(`no broker ${brokerId}`);
  return RawClient.connect(broker.port, broker.host);
}

/** The complete batches of a fetched `records` field. */
export function batchesIn(records: Buffer | null): RecordBatch[] {
  return readRecordBatches(records).batches;
}

/** Every record value of a fetched `records` field, as text, with its offset. */
export function recordsIn(records: Buffer | null): Array<[number, string | null]> {
  return batchesIn(records).flatMap((batch) => batch.recordsSync().map((record): [number, string | null] => [record.offset, record.value?.toString() ?? null]));
}
