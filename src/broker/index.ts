/**
 * kafkats/mock: an embedded, in-memory Kafka cluster for tests and local development, speaking
 * Kafka's protocol on loopback ports, with librdkafka-style fault injection.
 */
export {
  MockCluster,
  type CoordinatorType,
  type MockBatchInfo,
  type MockBroker,
  type MockPartitionState,
  type MockRequestError,
  type MockTopicCreation,
} from './mock-cluster.js';
export type { MockClusterOptions, MockTopicOptions } from './options.js';
export type { VersionRange } from './api-version-table.js';
export { CLOSE_CONNECTION } from './fault-injection.js';
export { KAFKA_RELEASES, type KafkaRelease } from '../protocol/kafka-releases.js';
