/**
 * DeleteRecords: moves a partition's log start offset forward (at most to the high watermark;
 * -1 means the high watermark), as admin clients do to truncate a topic.
 */
import { DeleteRecords, ErrorCode, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';
import { ledPartition } from './partition-checks.js';

/** Kafka's "up to the high watermark". */
const HIGH_WATERMARK = -1n;

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  api: DeleteRecords,
  handle(request, context) {
    return {
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((requested) => {
          const failed = (errorCode: number) => ({ partitionIndex: requested.partitionIndex, lowWatermark: -1n, errorCode });
          const partition = ledPartition(context, topic.name, requested.partitionIndex);
          if (typeof partition === 'number') return failed(partition);
          const log = partition.log;
          const target = requested.offset === HIGH_WATERMARK ? log.highWatermark : Number(requested.offset);
          if (target < 0 || target > log.highWatermark) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
          if (target > log.logStartOffset) {
            log.deleteBefore(target);
            partition.producers.forgetBefore(log.logStartOffset);
            partition.notify();
          }
          return { partitionIndex: requested.partitionIndex, lowWatermark: BigInt(log.logStartOffset), errorCode: ErrorCode.NONE };
        }),
      })),
    };
  },
  errorResponse(request, _context, errorCode) {
    return {
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, lowWatermark: -1n, errorCode })),
      })),
    };
  },
});
