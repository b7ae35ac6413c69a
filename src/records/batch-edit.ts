/**
 * In-place edits of an encoded record batch (magic 2), for a broker appending a producer's batch
 * to its log: the base offset and partition leader epoch lie outside the CRC and are simply
 * overwritten; switching to LogAppendTime changes CRC-covered fields, so the CRC is recomputed.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import { ATTRIBUTE_TIMESTAMP_TYPE, BATCH } from './constants.js';
import { crc32c } from './crc.js';
import { putInt64 } from './varint.js';

function checkBatch(batch: Buffer): void {
  if (batch.length < BATCH.headerSize || batch[BATCH.magic] !== 2) throw new KafkaInvalidArgumentError('not a record batch (magic 2)');
}

export function setBatchBaseOffset(batch: Buffer, baseOffset: number): void {
  checkBatch(batch);
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) throw new KafkaInvalidArgumentError(`baseOffset must be a non-negative safe integer, got ${baseOffset}`);
  putInt64(batch, BATCH.baseOffset, baseOffset);
}

export function setBatchPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  checkBatch(batch);
  batch.writeInt32BE(epoch, BATCH.partitionLeaderEpoch);
}

/** Marks the batch LogAppendTime with the given time (stored as maxTimestamp) and rewrites the CRC. */
export function setBatchLogAppendTime(batch: Buffer, timestamp: number): void {
  checkBatch(batch);
  if (!Number.isSafeInteger(timestamp)) throw new KafkaInvalidArgumentError(`timestamp must be a safe integer, got ${timestamp}`);
  batch.writeInt16BE(batch.readInt16BE(BATCH.attributes) | ATTRIBUTE_TIMESTAMP_TYPE, BATCH.attributes);
  putInt64(batch, BATCH.maxTimestamp, timestamp);
  batch.writeUInt32BE(crc32c(batch, BATCH.attributes, batch.length), BATCH.crc);
}
