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
