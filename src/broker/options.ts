/**
 * MockCluster's options: one typed object, validated when the cluster starts. Unknown keys and
 * bad values are KafkaConfigErrors that name the key.
 */
import { KafkaConfigError } from '../protocol/index.js';
import type { KafkaRelease } from '../protocol/kafka-releases.js';
import { LATEST_RELEASE, parseRelease } from './api-version-table.js';

export interface MockTopicOptions {
  readonly name: string;
  /** Default: the cluster's `defaultPartitions`. */
  readonly partitions?: number;
  /** Default: the cluster's `defaultReplicationFactor`. */
  readonly replicationFactor?: number;
  /** Topic configs, as Kafka names them (e.g. `{ 'message.timestamp.type': 'LogAppendTime' }`). */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface MockClusterOptions {
  /** Number of brokers, ids 1..brokers (default 3). */
  readonly brokers?: number;
  /** The interface to listen on and advertise (default '127.0.0.1'). */
  readonly host?: string;
  /** One port per broker; 0 (the default) picks a free one. */
  readonly ports?: readonly number[];
  /** Topics created at start. */
  readonly topics?: readonly MockTopicOptions[];
  /** Create topics on Metadata requests that ask for unknown ones (Kafka's auto.create.topics.enable, default true). */
  readonly autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1 (Kafka's num.partitions, default 1). */
  readonly defaultPartitions?: number;
  /** Replication factor of auto-created topics and of CreateTopics with -1 (default min(3, brokers)). */
  readonly defaultReplicationFactor?: number;
  /**
   * The Kafka release to behave as on the wire ('2.1', '2.8', '3.7', '4.0', ...): the API versions
   * it advertised and accepted. Default '4.0'.
   */
  readonly asVersion?: string;
  /** The cluster id Metadata and DescribeCluster report (default: a random Kafka UUID). */
  readonly clusterId?: string;
  /** Bytes a partition keeps before dropping its oldest batches (default 64 MiB; topic config retention.bytes overrides). */
  readonly retentionBytes?: number;
  /** The largest record batch accepted (Kafka's message.max.bytes, default 1048588). */
  readonly maxMessageBytes?: number;
  /** The largest request frame (Kafka's socket.request.max.bytes, default 100 MiB). */
  readonly maxRequestBytes?: number;
  /** Connections one broker keeps open at most (default 1000). */
  readonly maxConnectionsPerBroker?: number;
  /** Partitions the whole cluster may hold (default 100000). */
  readonly maxPartitions?: number;
  /** Incremental fetch sessions per broker (Kafka's max.incremental.fetch.session.cache.slots, default 1000). */
  readonly fetchSessionCacheSlots?: number;
  /** Kafka's group.initial.rebalance.delay.ms (default 0: tests want fast joins). */
  readonly groupInitialRebalanceDelayMs?: number;
  /** Kafka's group.min.session.timeout.ms (default 6000). */
  readonly groupMinSessionTimeoutMs?: number;
  /** Kafka's group.max.session.timeout.ms (default 1800000). */
  readonly groupMaxSessionTimeoutMs?: number;
  /** Called with internal failures (a broker bug); the affected connection is closed. Default: a process warning. */
  readonly onError?: (error: unknown) => void;
}

export interface ResolvedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: ReadonlyMap<string, string>;
}

export interface ResolvedMockClusterOptions {
  readonly brokers: number;
  readonly host: string;
  readonly ports: readonly number[];
  readonly topics: readonly ResolvedTopic[];
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly release: KafkaRelease;
  readonly clusterId: string | undefined;
  readonly retentionBytes: number;
  readonly maxMessageBytes: number;
  readonly maxRequestBytes: number;
  readonly maxConnectionsPerBroker: number;
  readonly maxPartitions: number;
  readonly fetchSessionCacheSlots: number;
  readonly groupInitialRebalanceDelayMs: number | undefined;
  readonly groupMinSessionTimeoutMs: number | undefined;
  readonly groupMaxSessionTimeoutMs: number | undefined;
  readonly onError: (error: unknown) => void;
}

const KNOWN_KEYS = new Set<string>([
  'brokers',
  'host',
  'ports',
  'topics',
  'autoCreateTopics',
  'defaultPartitions',
  'defaultReplicationFactor',
  'asVersion',
  'clusterId',
  'retentionBytes',
  'maxMessageBytes',
  'maxRequestBytes',
  'maxConnectionsPerBroker',
  'maxPartitions',
  'fetchSessionCacheSlots',
  'groupInitialRebalanceDelayMs',
  'groupMinSessionTimeoutMs',
  'groupMaxSessionTimeoutMs',
  'onError',
]);
const TOPIC_KEYS = new Set(['name', 'partitions', 'replicationFactor', 'configs']);
const INT32_MAX = 0x7fffffff;

function integer(key: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KafkaConfigError(`MockCluster option ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalInteger(key: string, value: unknown, min: number, max: number): number | undefined {
  return value === undefined ? undefined : integer(key, value, 0, min, max);
}

function defaultWarning(error: unknown): void {
  process.emitWarning(`kafkats embedded broker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

function resolveTopic(value: unknown, index: number, defaults: { partitions: number; replicationFactor: number }, brokers: number): ResolvedTopic {
  const key = `topics[${index}]`;
  if (typeof value !== 'object' || value === null) throw new KafkaConfigError(`MockCluster option ${key} must be an object`);
  const topic = value as Record<string, unknown>;
  for (const name of Object.keys(topic)) {
    if (!TOPIC_KEYS.has(name)) throw new KafkaConfigError(`MockCluster option ${key} has an unknown key '${name}' (known: ${[...TOPIC_KEYS].join(', ')})`);
  }
  if (typeof topic.name !== 'string') throw new KafkaConfigError(`MockCluster option ${key}.name must be a string`);
  const configs = new Map<string, string>();
  if (topic.configs !== undefined) {
    if (typeof topic.configs !== 'object' || topic.configs === null) throw new KafkaConfigError(`MockCluster option ${key}.configs must be an object of strings`);
    for (const [name, configValue] of Object.entries(topic.configs)) {
      if (typeof configValue !== 'string') throw new KafkaConfigError(`MockCluster option ${key}.configs['${name}'] must be a string`);
      configs.set(name, configValue);
    }
  }
  return {
    name: topic.name,
    partitions: integer(`${key}.partitions`, topic.partitions, defaults.partitions, 1, 100_000),
    replicationFactor: integer(`${key}.replicationFactor`, topic.replicationFactor, defaults.replicationFactor, 1, brokers),
    configs,
  };
}

export function resolveMockClusterOptions(options: MockClusterOptions = {}): ResolvedMockClusterOptions {
  if (typeof options !== 'object' || options === null) throw new KafkaConfigError('MockCluster options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new KafkaConfigError(`unknown MockCluster option '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const brokers = integer('brokers', options.brokers, 3, 1, 100);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new KafkaConfigError('MockCluster option host must be a non-empty string');
  let ports: number[];
  if (options.ports === undefined) {
    ports = Array.from({ length: brokers }, () => 0);
  } else {
    if (!Array.isArray(options.ports) || options.ports.length !== brokers) {
      throw new KafkaConfigError(`MockCluster option ports must list one port per broker (${brokers})`);
    }
    ports = options.ports.map((port, index) => integer(`ports[${index}]`, port, 0, 0, 65535));
    const chosen = ports.filter((port) => port !== 0);
    if (new Set(chosen).size !== chosen.length) throw new KafkaConfigError('MockCluster option ports lists a port twice');
  }
  let release = LATEST_RELEASE;
  if (options.asVersion !== undefined) {
    const parsed = typeof options.asVersion === 'string' ? parseRelease(options.asVersion) : undefined;
    if (!parsed) throw new KafkaConfigError(`MockCluster option asVersion must name a Kafka release from 0.10.0 to ${LATEST_RELEASE}, got ${JSON.stringify(options.asVersion)}`);
    release = parsed;
  }
  if (options.autoCreateTopics !== undefined && typeof options.autoCreateTopics !== 'boolean') {
    throw new KafkaConfigError('MockCluster option autoCreateTopics must be a boolean');
  }
  if (options.clusterId !== undefined && (typeof options.clusterId !== 'string' || options.clusterId.length === 0)) {
    throw new KafkaConfigError('MockCluster option clusterId must be a non-empty string');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new KafkaConfigError('MockCluster option onError must be a function');
  const defaultPartitions = integer('defaultPartitions', options.defaultPartitions, 1, 1, 100_000);
  const defaultReplicationFactor = integer('defaultReplicationFactor', options.defaultReplicationFactor, Math.min(3, brokers), 1, brokers);
  if (options.topics !== undefined && !Array.isArray(options.topics)) throw new KafkaConfigError('MockCluster option topics must be an array');
  const topics = (options.topics ?? []).map((topic, index) => resolveTopic(topic, index, { partitions: defaultPartitions, replicationFactor: defaultReplicationFactor }, brokers));
  return {
    brokers,
    host,
    ports,
    topics,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions,
    defaultReplicationFactor,
    release,
    clusterId: options.clusterId,
    retentionBytes: integer('retentionBytes', options.retentionBytes, 64 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    maxMessageBytes: integer('maxMessageBytes', options.maxMessageBytes, 1_048_588, 1, INT32_MAX),
    maxRequestBytes: integer('maxRequestBytes', options.maxRequestBytes, 100 * 1024 * 1024, 1024, INT32_MAX),
    maxConnectionsPerBroker: integer('maxConnectionsPerBroker', options.maxConnectionsPerBroker, 1000, 1, 1_000_000),
    maxPartitions: integer('maxPartitions', options.maxPartitions, 100_000, 1, 10_000_000),
    fetchSessionCacheSlots: integer('fetchSessionCacheSlots', options.fetchSessionCacheSlots, 1000, 0, 1_000_000),
    groupInitialRebalanceDelayMs: optionalInteger('groupInitialRebalanceDelayMs', options.groupInitialRebalanceDelayMs, 0, INT32_MAX),
    groupMinSessionTimeoutMs: optionalInteger('groupMinSessionTimeoutMs', options.groupMinSessionTimeoutMs, 0, INT32_MAX),
    groupMaxSessionTimeoutMs: optionalInteger('groupMaxSessionTimeoutMs', options.groupMaxSessionTimeoutMs, 0, INT32_MAX),
    onError: options.onError ?? defaultWarning,
  };
}
