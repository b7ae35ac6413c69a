/**
 * The consumer: `KafkaConsumer` (subscribe with a group, or assign partitions), its records,
 * options, deserializers and errors, plus the partition assignors and group errors it uses.
 */
export {
  KafkaConsumer,
  type ConsumerCallOptions,
  type CommittedPartition,
  type ConsumerGroupMetadata,
  type ConsumerMetrics,
  type KafkaConsumerConstructor,
  type OffsetForTime,
  type PartitionOffsetResult,
  type PollOptions,
} from './consumer.js';
export { ConsumerRecord, ConsumerRecords, type NextOffset, type TimestampTypeName } from './consumer-record.js';
export type { CommitListener, OffsetToCommit, PartitionOffset } from './commit-types.js';
export type { ConsumerOptions, AutoOffsetReset, IsolationLevel, AssignorName } from './options.js';
export type { Deserializer, DeserializerFunction, DeserializerOption, Deserialized } from './deserializers.js';
export type { RebalanceListener } from './group-host.js';
export type { PartitionInfo } from '../cluster/partition-info.js';
export type { FetchMetrics } from './fetcher.js';
export { KafkaOffsetOutOfRangeError, KafkaRecordDeserializationError, KafkaRecordTooLargeError } from './errors.js';
export { KafkaCommitFailedError, KafkaRebalanceCallbackError, KafkaRebalanceInProgressError } from './group/errors.js';
export {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  type ClusterView,
  type GroupAssignment,
  type MemberAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type RebalanceProtocol,
  type ReceivedAssignment,
} from './assignors/index.js';
export type { TopicPartition } from '../cluster/cluster.js';
export type { RecordHeader } from '../records/record.js';
