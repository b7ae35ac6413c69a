/**
 * OffsetForLeaderEpoch: where a leader epoch ended in this partition's log, so that a consumer
 * (KIP-320) or follower can tell whether its position survived a leader change.
 */
import { ErrorCode, OffsetForLeaderEpoch, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../../protocol/index.js';
import { defineHandler } from '../handler.js';

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  api: OffsetForLeaderEpoch,
  handle(request, context) {
    const { cluster } = context.services;
    return {
      topics: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((requested) => {
          const failed = (errorCode: number) => ({ errorCode, partition: requested.partition, leaderEpoch: -1, endOffset: -1n });
          const partition = cluster.partition(topic.topic, requested.partition);
          if (!partition) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (partition.leader !== context.broker.id) return failed(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          if (context.apiVersion >= 2 && requested.currentLeaderEpoch >= 0 && requested.currentLeaderEpoch !== partition.leaderEpoch) {
            return failed(requested.currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
          }
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
