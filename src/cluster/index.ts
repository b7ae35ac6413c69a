/**
 * The cluster layer: options and their validator, logging, broker addresses, version negotiation,
 * the metadata and coordinator caches, the connection pool, routing, the retry helper, the
 * public `KafkaClient`, and Kafka release inference. Producer, consumer and admin build on
 * `Cluster` (see DESIGN.md, "Cluster layer").
 */
export { BrokerChannel, BrokerPool, DEFAULT_LANE, type ChannelSendOptions, type NodeLoad, type PoolSettings } from './broker-pool.js';
export { DEFAULT_KAFKA_PORT, formatBrokerAddress, parseBootstrapServers, parseBrokerAddress, type BrokerAddress } from './addresses.js';
export {
  Cluster,
  type ClusterSendOptions,
  type MetadataRequestOptions,
  type RequestTarget,
  type RouteOptions,
  type TopicPartition,
} from './cluster.js';
export {
  configError,
  describeValue,
  isPlainObject,
  javaNameToCamelCase,
  notAbove,
  option,
  resolveOptions,
  suggestOption,
  type CustomSettings,
  type IntegerSettings,
  type OptionCheck,
  type OptionSchema,
  type OptionSpec,
  type ResolveSettings,
  type ResolvedOptions,
  type StringSettings,
} from './config.js';
export { CoordinatorCache, coordinatorLocation, type CoordinatorKey, type CoordinatorType } from './coordinators.js';
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
} from './kafka-client.js';
export {
  LOG_LEVELS,
  createStderrLogger,
  formatLogFields,
  isLogger,
  levelFilter,
  silentLogger,
  withLogContext,
  type LogFields,
  type LogLevel,
  type Logger,
  type StderrLoggerOptions,
} from './logger.js';
export {
  MetadataCache,
  describeNode,
  metadataView,
  topicFromResponse,
  type BrokerNode,
  type ClusterMetadataView,
  type MetadataChange,
  type PartitionMetadata,
  type PartitionView,
  type TopicMetadata,
  type TopicSelection,
  type TopicView,
} from './metadata.js';
export {
  COMMON_CLIENT_CHECKS,
  COMMON_CLIENT_OPTIONS,
  resolveCommonOptions,
  type CommonClientOptions,
  type CommonClientSchema,
  type ResolvedCommonOptions,
} from './options.js';
export {
  KAFKA_RELEASES,
  LEGACY_RELEASES,
  apiNameOf,
  inferBrokerRelease,
  legacyVersionTable,
  releaseVersionTable,
  type AdvertisedRange,
  type LegacyRelease,
  type MissingApiVersion,
  type ReleaseChanges,
  type ReleaseInference,
} from './releases.js';
export {
  COORDINATOR_ERROR_CODES,
  DEFAULT_API_TIMEOUT_MS,
  METADATA_ERROR_CODES,
  classifyError,
  coordinatorNamedBy,
  retryWithBackoff,
  type AttemptContext,
  type ErrorHandling,
  type RetryHost,
  type RetryOptions,
} from './retry.js';
export { BACKOFF_JITTER, Deadline, backoffDelay, raceSignal, sleep } from './timing.js';
export {
  BrokerVersions,
  CLIENT_SOFTWARE_NAME,
  CLIENT_SOFTWARE_PATTERN,
  CLIENT_SOFTWARE_VERSION,
  NO_PINS,
  clientVersionRange,
  negotiateApiVersions,
  parseMaxApiVersions,
  pickVersion,
  probeLegacyRelease,
  type AnyApi,
  type ApiVersionRow,
  type VersionPins,
  type VersionRange,
  type VersionSource,
} from './versions.js';
