/**
 * ListOffsets: the earliest and latest offsets, the offset of the first record at or after a
 * timestamp, and (v7+) the record with the largest timestamp, each with the leader epoch of the
 * batch holding it (v4+). Version 0's old-style answer is a list of offsets.
 */
import {
  ErrorCode,
  ListOffsets,
  type Input,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponsePartitionResponse,
} from '../../protocol/index.js';
import { DefaultRecordBatch } from '../../records/index.js';
import type { PartitionState } from '../cluster-state.js';
import { defineHandler, type RequestContext } from '../handler.js';
import type { StoredBatch } from '../partition-log.js';
import { currentLeaderEpochError, ledPartition } from './partition-checks.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

type PartitionResponse = Input<ListOffsetsResponsePartitionResponse>;

interface Found {
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

const NOT_FOUND: Found = { offset: -1, timestamp: -1, leaderEpoch: -1 };

/** The first record of `batch` whose timestamp satisfies `matches`. */
async function firstRecord(batch: StoredBatch, matches: (timestamp: number) => boolean): Promise<Found | undefined> {
  const records = await new DefaultRecordBatch(batch.bytes, 0, { checkCrcs: false }).records();
  const record = records.find((candidate) => matches(candidate.timestamp));
  return record ? { offset: record.offset, timestamp: record.timestamp, leaderEpoch: batch.leaderEpoch } : undefined;
}

async function offsetForTimestamp(partition: PartitionState, timestamp: number): Promise<Found> {
  for (const batch of partition.log.liveBatches()) {
    if (batch.maxTimestamp < timestamp) continue;
    const found = await firstRecord(batch, (recordTimestamp) => recordTimestamp >= timestamp);
    if (found && found.offset >= partition.log.logStartOffset) return found;
  }
  return NOT_FOUND;
}

async function maxTimestampOffset(partition: PartitionState): Promise<Found> {
  let best: StoredBatch | undefined;
  for (const batch of partition.log.liveBatches()) if (!best || batch.maxTimestamp > best.maxTimestamp) best = batch;
  if (!best) return NOT_FOUND;
  const max = best.maxTimestamp;
  return (await firstRecord(best, (timestamp) => timestamp === max)) ?? NOT_FOUND;
}

/** The epoch in which `offset` was written (the latest epoch starting at or before it). */
function epochAt(partition: PartitionState, offset: number): number {
  let epoch = -1;
  for (const entry of partition.log.epochHistory()) if (entry.startOffset <= offset) epoch = entry.epoch;
  return epoch;
}

async function lookUp(partition: PartitionState, timestamp: number): Promise<Found> {
  const log = partition.log;
  switch (timestamp) {
    case LATEST_TIMESTAMP:
      return { offset: log.highWatermark, timestamp: -1, leaderEpoch: partition.leaderEpoch };
    case EARLIEST_TIMESTAMP:
    case EARLIEST_LOCAL_TIMESTAMP:
      return { offset: log.logStartOffset, timestamp: -1, leaderEpoch: epochAt(partition, log.logStartOffset) };
    case MAX_TIMESTAMP:
      return maxTimestampOffset(partition);
    case LATEST_TIERED_TIMESTAMP:
      // No tiered storage: nothing was ever uploaded.
      return NOT_FOUND;
    default:
      return offsetForTimestamp(partition, timestamp);
  }
}

async function listPartition(
  topicName: string,
  requested: ListOffsetsRequest['topics'][number]['partitions'][number],
  context: RequestContext,
): Promise<PartitionResponse> {
  const index = requested.partitionIndex;
  const failed = (errorCode: number): PartitionResponse => ({ partitionIndex: index, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 });
  const partition = ledPartition(context, topicName, index);
  if (typeof partition === 'number') return failed(partition);
  const epochError = context.apiVersion >= 4 ? currentLeaderEpochError(requested.currentLeaderEpoch, partition) : ErrorCode.NONE;
  if (epochError !== ErrorCode.NONE) return failed(epochError);
  const timestamp = Number(requested.timestamp);
  if (context.apiVersion === 0) {
    const log = partition.log;
    let offsets: number[];
    if (timestamp === LATEST_TIMESTAMP) offsets = log.logEndOffset > log.logStartOffset ? [log.logEndOffset, log.logStartOffset] : [log.logEndOffset];
    else if (timestamp === EARLIEST_TIMESTAMP) offsets = [log.logStartOffset];
    else {
      const found = await offsetForTimestamp(partition, timestamp);
      offsets = found.offset >= 0 ? [found.offset] : [];
    }
    return { partitionIndex: index, errorCode: ErrorCode.NONE, oldStyleOffsets: offsets.slice(0, Math.max(0, requested.maxNumOffsets)).map(BigInt) };
  }
  const found = await lookUp(partition, timestamp);
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    timestamp: BigInt(found.timestamp),
    offset: BigInt(found.offset),
    leaderEpoch: context.apiVersion >= 4 ? found.leaderEpoch : -1,
  };
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  api: ListOffsets,
  async handle(request, context) {
    const topics = await Promise.all(
      request.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(topic.partitions.map((partition) => listPartition(topic.name, partition, context))),
      })),
    );
    return { topics };
  },
  errorResponse(request, _context, errorCode) {
    return {
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 })),
      })),
    };
  },
});
