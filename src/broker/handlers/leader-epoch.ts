/**
 * OffsetForLeaderEpoch: where a leader epoch ended in this partition's log, so that a consumer
 * (KIP-320) or follower can tell whether its position survived a leader change.
 */
import { ErrorCode, OffsetForLeaderEpoch, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';
import { currentLeaderEpochError, ledPartition } from './partition-checks.js';

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  api: OffsetForLeaderEpoch,
  handle(request, context) {
    return {
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((requested) => {
          const failed = (errorCode: number) => ({ errorCode, partition: requested.partition, leaderEpoch: -1, endOffset: -1n });
          const partition = ledPartition(context, topic.topic, requested.partition);
          if (typeof partition === 'number') return failed(partition);
          const epochError = context.apiVersion >= 2 ? currentLeaderEpochError(requested.currentLeaderEpoch, partition) : ErrorCode.NONE;
          if (epochError !== ErrorCode.NONE) return failed(epochError);
          const { epoch, endOffset } = partition.log.endOffsetForEpoch(requested.leaderEpoch);
          return { errorCode: ErrorCode.NONE, partition: requested.partition, leaderEpoch: epoch, endOffset: BigInt(endOffset) };
        }),
      })),
    };
  },
  errorResponse(request, _context, errorCode) {
    return {
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((partition) => ({ errorCode, partition: partition.partition, leaderEpoch: -1, endOffset: -1n })),
      })),
    };
  },
});
