/**
 * Rebuilding a batch the broker refused as a whole:
 *  - MESSAGE_TOO_LARGE for a batch of several records: it is split into batches of about half its
 *    size (so a batch that the broker's `max.message.bytes` refuses shrinks until it fits, down to
 *    single records; a single record too large then fails), and they are sent again;
 *  - per-record errors (Produce v8+, `record_errors`, e.g. INVALID_RECORD for a record without a key
 *    on a compacted topic): the records named fail with their own error, and the other records of
 *    the batch are sent again in a new batch. The Java client fails them with a generic error
 *    instead; they were valid, so kafkats delivers them.
 *
 * The records are read back from the batch's own bytes and appended, in order, to new batches
 * that take over their sends.
 */
import { KafkaProtocolError } from '../protocol/errors.js';
import type { ProduceResponsePartitionProduceResponse } from '../protocol/generated/index.js';
import { BATCH } from '../records/constants.js';
import { readRecordBatches } from '../records/record-set.js';
import type { KafkaRecord } from '../records/record.js';
import { ProducerBatch, rejectQuietly, type BatchSettings } from './batch.js';
import { RECORD_OVERHEAD_BOUND } from './batch-writer.js';
import { recordSizeUpperBound } from './serializers.js';

const INVALID_RECORD = 87;
/** The smallest buffer a batch writer takes. */
const MIN_PART_BUFFER = BATCH.headerSize + RECORD_OVERHEAD_BOUND;

export interface RebuildSettings extends BatchSettings {
  readonly batchSize: number;
}

export interface RebuildOutcome {
  /** The new batches, in order, sealed; each holds its own memory reservation (`reservedBytes`). */
  readonly parts: ProducerBatch[];
  /** Records that failed with their own error. */
  readonly failedRecords: number;
}

export async function rebuildBatch(
  batch: ProducerBatch,
  answer: ProduceResponsePartitionProduceResponse | null,
  error: KafkaProtocolError,
  settings: RebuildSettings,
): Promise<RebuildOutcome> {
  const bytes = batch.bytes!;
  const decoded = readRecordBatches(bytes, { topic: batch.topic, partition: batch.partition });
  const records: KafkaRecord[] = [];
  for (const recordBatch of decoded.batches) records.push(...(await recordBatch.records()));

  const failed = new Map<number, string | null>();
  if (answer !== null) {
    for (const recordError of answer.recordErrors) failed.set(recordError.batchIndex, recordError.batchIndexErrorMessage);
  }
  let failedRecords = 0;
  for (const [index, message] of failed) {
    if (index < 0 || index >= records.length) continue;
    const completion = batch.completionOf(index);
    // One refused record: the partition-level code is its own; several: INVALID_RECORD each, as Java.
    const code = failed.size === 1 ? error.code : INVALID_RECORD;
    rejectQuietly(
      completion.promise,
      completion.reject,
      new KafkaProtocolError(code, { topic: batch.topic, partition: batch.partition, apiName: 'Produce' }, message ?? answer?.errorMessage ?? null),
    );
    failedRecords++;
  }

  // Split: half the records section; resend whole: the batch size.
  const limit = answer === null ? Math.max(1, Math.ceil(batch.uncompressedSize / 2)) : Math.max(1, settings.batchSize);
  const parts: ProducerBatch[] = [];
  let group: number[] = [];
  let groupBytes = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    const part = new ProducerBatch(batch.topic, batch.partition, batch.firstRecord + group[0]!, settings, 1, Buffer.allocUnsafe(Math.max(BATCH.headerSize + groupBytes, MIN_PART_BUFFER)), batch.createdAt);
    for (const index of group) {
      const record = records[index]!;
      const headers = record.headers.length === 0 ? undefined : record.headers;
      part.append(record.key, record.key?.length ?? -1, record.value, record.value?.length ?? -1, headers, batch.timestampOf(index), batch.completionOf(index));
    }
    part.sealed = true;
    parts.push(part);
    group = [];
    groupBytes = 0;
  };
  for (let index = 0; index < records.length; index++) {
    if (failed.has(index)) continue;
    const record = records[index]!;
    const size = recordSizeUpperBound(record.key?.length ?? -1, record.value?.length ?? -1, record.headers.length === 0 ? undefined : record.headers);
    if (group.length > 0 && groupBytes + size > limit) flush();
    group.push(index);
    groupBytes += size;
  }
  flush();
  return { parts, failedRecords };
}
