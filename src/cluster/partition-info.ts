/**
 * A partition as users see it: `partitionsFor()` and `listTopics()` of the producer and consumer,
 * and the producer's custom partitioners (the shape of the Java client's `PartitionInfo`).
 */
import type { MetadataResponse } from '../protocol/generated/index.js';
import type { PartitionMetadata } from './metadata.js';

export interface PartitionInfo {
  readonly topic: string;
  readonly partition: number;
  /** The leader's broker id, or null when the partition has none. */
  readonly leader: number | null;
  /** -1 when the broker does not say (Metadata before v7). */
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly inSyncReplicas: readonly number[];
  readonly offlineReplicas: readonly number[];
}

/** A cached partition of the metadata, as a PartitionInfo. */
export function partitionInfo(topic: string, metadata: PartitionMetadata): PartitionInfo {
  return {
    topic,
    partition: metadata.partition,
    leader: metadata.leader >= 0 ? metadata.leader : null,
    leaderEpoch: metadata.leaderEpoch,
    replicas: metadata.replicas,
    inSyncReplicas: metadata.isr,
    offlineReplicas: metadata.offlineReplicas,
  };
}

/** The partitions of each topic of a Metadata response without a topic-level error, by name (topics sorted, partitions in order). */
export function describeTopics(topics: MetadataResponse['topics']): Map<string, PartitionInfo[]> {
  const result = new Map<string, PartitionInfo[]>();
  const sorted = topics.filter((topic) => topic.name !== null && topic.errorCode === 0).sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  for (const topic of sorted) {
    const name = topic.name!;
    result.set(
      name,
      topic.partitions
        .map((partition) => ({
          topic: name,
          partition: partition.partitionIndex,
          leader: partition.leaderId >= 0 ? partition.leaderId : null,
          leaderEpoch: partition.leaderEpoch,
          replicas: partition.replicaNodes,
          inSyncReplicas: partition.isrNodes,
          offlineReplicas: partition.offlineReplicas,
        }))
        .sort((a, b) => a.partition - b.partition),
    );
  }
  return result;
}
