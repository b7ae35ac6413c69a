/**
 * The checks Kafka makes, in this order, on a partition a request names before serving it: that
 * it exists, that this broker leads it, and (KIP-320) that the client names the leader epoch the
 * partition is in.
 */
import { ErrorCode } from '../../protocol/index.js';
import type { PartitionState } from '../cluster-state.js';
import type { RequestContext } from '../handler.js';

/** The partition if this broker leads it; else the error code: UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER. */
export function ledPartition(context: RequestContext, topic: string, index: number): PartitionState | number {
  const partition = context.services.cluster.partition(topic, index);
  if (!partition) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  return partition.leader === context.broker.id ? partition : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/**
 * NONE when the client names no current leader epoch (-1) or the partition's; FENCED_LEADER_EPOCH
 * when it names an older one, UNKNOWN_LEADER_EPOCH a newer one.
 */
export function currentLeaderEpochError(currentLeaderEpoch: number, partition: PartitionState): number {
  if (currentLeaderEpoch < 0 || currentLeaderEpoch === partition.leaderEpoch) return ErrorCode.NONE;
  return currentLeaderEpoch < partition.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
