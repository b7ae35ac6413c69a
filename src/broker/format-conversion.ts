/**
 * Down-conversion for old fetchers: Fetch v0-v1 read magic 0 messages and v2-v3 magic 1, so the
 * batches (magic 2) a fetch returns are rewritten in that format, as Kafka did for old consumers.
 * Offsets and compression are kept; headers, which the old formats cannot carry, are dropped.
 */
import { CompressionType, DefaultRecordBatch, LegacyMessageSetBuilder, TimestampType } from '../records/index.js';
import type { StoredBatch } from './partition-log.js';

export async function downConvert(batches: readonly StoredBatch[], magic: 0 | 1): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const stored of batches) {
    const batch = new DefaultRecordBatch(stored.bytes, 0, { checkCrcs: false });
    if (batch.isControl) continue;
    const records = await batch.records();
    if (records.length === 0) continue;
    const logAppendTime = magic === 1 && batch.timestampType === TimestampType.LogAppendTime;
    const builder = new LegacyMessageSetBuilder({
      magic,
      compression: batch.compression === CompressionType.Zstd ? CompressionType.None : batch.compression,
      baseOffset: records[0]!.offset,
      timestampType: logAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime,
      logAppendTime: logAppendTime ? batch.maxTimestamp : undefined,
    });
    for (const record of records) builder.append({ key: record.key, value: record.value, timestamp: record.timestamp, offset: record.offset });
    parts.push(await builder.close());
  }
  return Buffer.concat(parts);
}
