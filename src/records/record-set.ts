/**
 * Reading the `records` field of a fetch response (or of a produce request, on the broker side):
 * a sequence of record batches (magic 2) and legacy messages (magic 0 and 1), in any mix, as old
 * topics hold. A broker may cut the last batch short when it fills the fetch size: such a partial
 * tail is not an error; its size is reported so that a consumer can tell a batch larger than its
 * fetch size (nothing complete, only a partial batch) from the ordinary case.
 */
import { type DecodeOptions, DefaultRecordBatch } from './batch.js';
import { LEGACY, LOG_OVERHEAD } from './constants.js';
import { KafkaCorruptRecordError } from './errors.js';
import { LegacyRecordBatch } from './legacy.js';
import type { KafkaRecord, RecordBatch } from './record.js';
import { getInt64 } from './varint.js';

export interface RecordBatchList {
  batches: RecordBatch[];
  /** Bytes at the end that hold an incomplete batch (0 when the data ends on a batch boundary). */
  partialBytes: number;
}

/** The magic byte sits at the same position (16) in record batches and legacy messages. */
const MAGIC_POSITION = LEGACY.magic;

/**
 * Splits `records` into batches, checking each one's header and CRC; records are decoded on demand.
 * `records` may be null (a fetch response's nullable field): no batches then.
 */
export function readRecordBatches(records: Buffer | null, options: DecodeOptions = {}): RecordBatchList {
  const batches: RecordBatch[] = [];
  if (records === null) return { batches, partialBytes: 0 };
  let pos = 0;
  const length = records.length;
  while (pos < length) {
    if (length - pos <= MAGIC_POSITION) break;
    const size = records.readInt32BE(pos + LEGACY.size);
    if (size < MAGIC_POSITION + 1 - LOG_OVERHEAD) {
      const offset = getInt64(records, pos);
      throw new KafkaCorruptRecordError(`batch size ${size} is too small`, {
        topic: options.topic,
        partition: options.partition,
        offset: Number.isNaN(offset) ? undefined : offset,
        position: pos,
      });
    }
    const end = pos + LOG_OVERHEAD + size;
    if (end > length) break;
    const magic = records[pos + MAGIC_POSITION]!;
    if (magic === 2) batches.push(new DefaultRecordBatch(records, pos, options));
    else if (magic < 2) batches.push(new LegacyRecordBatch(records, pos, options));
    else {
      const offset = getInt64(records, pos);
      throw new KafkaCorruptRecordError(`unknown magic byte ${magic}`, {
        topic: options.topic,
        partition: options.partition,
        offset: Number.isNaN(offset) ? undefined : offset,
        position: pos,
      });
    }
    pos = end;
  }
  return { batches, partialBytes: length - pos };
}

/** Every record of every batch, control records included (see ReadCommittedFilter for consumers). */
export async function decodeRecords(records: Buffer | null, options: DecodeOptions = {}): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = [];
  for (const batch of readRecordBatches(records, options).batches) {
    for (const record of await batch.records()) out.push(record);
  }
  return out;
}

/** decodeRecords, synchronously (throws KafkaStateError if a codec in use is asynchronous). */
export function decodeRecordsSync(records: Buffer | null, options: DecodeOptions = {}): KafkaRecord[] {
  const out: KafkaRecord[] = [];
  for (const batch of readRecordBatches(records, options).batches) {
    for (const record of batch.recordsSync()) out.push(record);
  }
  return out;
}
