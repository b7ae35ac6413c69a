/**
 * kafkats: the package's main entry. A plain list of re-exports; the protocol layer on its own is
 * `kafkats/protocol`, the embedded broker `kafkats/mock`.
 */
export * from './protocol/errors.js';
export {
  KafkaClient,
  type ApiVersionsInfo,
  type BrokerCallOptions,
  type BrokerIdentity,
  type BrokerReleaseInfo,
  type CallOptions,
  type KafkaClientOptions,
  type SendOptions,
  type SendTarget,
} from './cluster/kafka-client.js';
export type { CommonClientOptions } from './cluster/options.js';
export type { ClusterMetadataView, PartitionView, TopicView } from './cluster/metadata.js';
export type { ApiVersionRow, VersionSource } from './cluster/versions.js';
export type { ReleaseInference, MissingApiVersion } from './cluster/releases.js';
export { inferBrokerRelease, KAFKA_RELEASES } from './cluster/releases.js';
export { createStderrLogger, type Logger, type LogFields, type LogLevel } from './cluster/logger.js';
export type { CoordinatorKey, CoordinatorType } from './cluster/coordinators.js';
export type { TopicPartition } from './cluster/cluster.js';
export {
  KafkaFetchError,
  type FetchedBatch,
  type FetchedRecord,
  type IsolationLevel,
  type ListOffsetsOptions,
  type ListedOffset,
  type OffsetSpec,
  type PartitionFetchOptions,
  type PartitionFetchResult,
  type PartitionProduceOptions,
  type PartitionProduceResult,
  type ProduceAcks,
  type ProduceRecord,
  type TimestampTypeName,
} from './cluster/partition-access.js';
export type { PartitionInfo } from './cluster/partition-info.js';
export type { RecordHeader } from './records/record.js';

// The producer.
export {
  KafkaProducer,
  murmur2,
  partitionForKey,
  KafkaDeliveryTimeoutError,
  KafkaRecordTooLargeToSendError,
  type Acks,
  type BrokerProducerMetrics,
  type KafkaProducerConstructor,
  type Partitioner,
  type PartitionerInput,
  type ProducerCloseOptions,
  type ProducerCompressionType,
  type ProducerHeader,
  type ProducerHeaders,
  type ProducerMetrics,
  type ProducerOptions,
  type ProducerRecord,
  type ProducerSendOptions,
  type RecordMetadata,
  type Serializable,
  type SerializedBytes,
  type Serializer,
  type SerializerFunction,
  type SerializerOption,
} from './producer/index.js';

// The consumer, its group membership and assignors.
export {
  KafkaConsumer,
  ConsumerRecord,
  ConsumerRecords,
  KafkaOffsetOutOfRangeError,
  KafkaRecordDeserializationError,
  KafkaRecordTooLargeError,
  KafkaCommitFailedError,
  KafkaRebalanceCallbackError,
  KafkaRebalanceInProgressError,
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  type AssignorName,
  type AutoOffsetReset,
  type ClusterView,
  type CommitListener,
  type CommittedPartition,
  type ConsumerCallOptions,
  type ConsumerGroupMetadata,
  type ConsumerMetrics,
  type ConsumerOptions,
  type Deserialized,
  type Deserializer,
  type DeserializerFunction,
  type DeserializerOption,
  type FetchMetrics,
  type GroupAssignment,
  type KafkaConsumerConstructor,
  type MemberAssignment,
  type MemberSubscription,
  type NextOffset,
  type OffsetForTime,
  type OffsetToCommit,
  type PartitionAssignor,
  type PartitionOffset,
  type PartitionOffsetResult,
  type PollOptions,
  type RebalanceListener,
  type RebalanceProtocol,
  type ReceivedAssignment,
} from './consumer/index.js';
