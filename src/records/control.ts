/**
 * Control records: the markers a transaction coordinator writes to end a transaction (and the
 * KRaft metadata markers). A control batch has the control attribute bit and holds one record
 * whose key is version int16 + type int16; an end-transaction marker's value is version int16 +
 * coordinator epoch int32.
 */
import { KafkaInvalidArgumentError } from '../protocol/errors.js';
import { RecordBatchBuilder } from './batch-builder.js';
import { NO_PARTITION_LEADER_EPOCH } from './constants.js';
import { KafkaCorruptRecordError } from './errors.js';
import type { KafkaRecord, RecordBatch } from './record.js';

export const ControlRecordType = {
  Abort: 0,
  Commit: 1,
  LeaderChange: 2,
  SnapshotHeader: 3,
  SnapshotFooter: 4,
  KRaftVersion: 5,
  KRaftVoters: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export interface ControlRecordKey {
  version: number;
  /** A ControlRecordType value, or another number from a newer broker. */
  type: number;
}

export interface EndTransactionMarker {
  type: typeof ControlRecordType.Abort | typeof ControlRecordType.Commit;
  version: number;
  coordinatorEpoch: number;
}

/** Parses a control record's key; a key that is too short is a KafkaCorruptRecordError. */
export function parseControlRecordKey(record: KafkaRecord): ControlRecordKey {
  const key = record.key;
  if (key === null || key.length < 4) throw new KafkaCorruptRecordError(`control record key of ${key?.length ?? 'null'} bytes is too short`, { offset: record.offset });
  return { version: key.readInt16BE(0), type: key.readInt16BE(2) };
}

/** Parses an end-transaction marker (a control record of type abort or commit). */
export function parseEndTransactionMarker(record: KafkaRecord): EndTransactionMarker {
  const { type } = parseControlRecordKey(record);
  if (type !== ControlRecordType.Abort && type !== ControlRecordType.Commit) {
    throw new KafkaCorruptRecordError(`control record of type ${type} is not an end-transaction marker`, { offset: record.offset });
  }
  const value = record.value;
  if (value === null || value.length < 6) throw new KafkaCorruptRecordError(`end-transaction marker value of ${value?.length ?? 'null'} bytes is too short`, { offset: record.offset });
  return { type, version: value.readInt16BE(0), coordinatorEpoch: value.readInt32BE(2) };
}

/** The type of a control batch's (first) control record, or undefined for a batch that is not a control batch. */
export function controlBatchType(batch: RecordBatch): number | undefined {
  if (!batch.isControl) return undefined;
  const records = batch.recordsSync();
  if (records.length === 0) return undefined;
  return parseControlRecordKey(records[0]!).type;
}

export interface EndTransactionMarkerOptions {
  type: 'commit' | 'abort' | typeof ControlRecordType.Abort | typeof ControlRecordType.Commit;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** The marker's offset (the broker's log end offset); 0 by default. */
  offset?: number | undefined;
  timestamp?: number | undefined;
  partitionLeaderEpoch?: number | undefined;
}

/** Builds the one-record control batch that commits or aborts a producer's transaction on a partition. */
export function buildEndTransactionMarkerBatch(options: EndTransactionMarkerOptions): Buffer {
  const type = options.type === 'commit' ? ControlRecordType.Commit : options.type === 'abort' ? ControlRecordType.Abort : options.type;
  if (type !== ControlRecordType.Commit && type !== ControlRecordType.Abort) throw new KafkaInvalidArgumentError(`unknown marker type ${String(options.type)}`);
  if (!Number.isInteger(options.coordinatorEpoch) || options.coordinatorEpoch < -0x80000000 || options.coordinatorEpoch > 0x7fffffff) {
    throw new KafkaInvalidArgumentError(`coordinatorEpoch must be an int32, got ${options.coordinatorEpoch}`);
  }
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(options.coordinatorEpoch, 2);
  const builder = new RecordBatchBuilder({
    baseOffset: options.offset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    isTransactional: true,
    isControl: true,
  });
  builder.append({ key, value, timestamp: options.timestamp });
  return builder.closeSync();
}
