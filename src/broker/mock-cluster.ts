/**
 * MockCluster: an in-memory Kafka cluster for tests and local development. Each broker listens on
 * its own loopback port and speaks Kafka's protocol as the chosen release did; all brokers share
 * one cluster state (topics, partition logs, groups). The fault-injection controls mirror
 * librdkafka's mock cluster, so that a suite can run on both.
 *
 *     const cluster = await MockCluster.start({ brokers: 3, topics: [{ name: 'orders', partitions: 6 }] });
 *     // ... clients use cluster.bootstrapServers ...
 *     await cluster.brokerDown(2);
 *     await cluster.stop();
 */
import { KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError } from '../protocol/index.js';
import type { KafkaRelease } from '../protocol/kafka-releases.js';
import { ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTE_TIMESTAMP_TYPE } from '../records/constants.js';
import { BATCH } from '../records/index.js';
import { ApiVersionTable, type VersionRange } from './api-version-table.js';
import { BrokerServer } from './broker-server.js';
import { BrokerRequestError, ClusterState, type BrokerNode, type CoordinatorType } from './cluster-state.js';
import { FaultInjector } from './fault-injection.js';
import { GroupCoordinator } from './group-coordinator.js';
import { implementedVersions } from './handlers/index.js';
import { resolveMockClusterOptions, type MockClusterOptions } from './options.js';

export type { CoordinatorType } from './cluster-state.js';

export interface MockBroker {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  /** False between brokerDown and brokerUp. */
  readonly up: boolean;
}

/** One injected answer: an error code (0: answer normally; -195: drop the connection) after a delay. */
export interface MockRequestError {
  readonly code: number;
  /** Delay before the answer, in milliseconds (default 0). */
  readonly rttMs?: number;
}

export interface MockTopicCreation {
  /** Default: the cluster's defaultPartitions. */
  readonly partitions?: number;
  /** Default: the cluster's defaultReplicationFactor. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/** One record batch as the broker holds it, for tests that check what producers sent. */
export interface MockBatchInfo {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly sizeInBytes: number;
  readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  readonly leaderEpoch: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
}

const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** A partition's state, for tests that check what the broker holds. */
export interface MockPartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly logStartOffset: number;
  readonly highWatermark: number;
  /** Bytes of record batches held. */
  readonly sizeInBytes: number;
}

export class MockCluster {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly state: ClusterState,
    private readonly servers: readonly BrokerServer[],
    private readonly versions: ApiVersionTable,
    private readonly faults: FaultInjector,
    private readonly groups: GroupCoordinator,
  ) {}

  /** Starts the brokers and creates the configured topics. */
  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const resolved = resolveMockClusterOptions(options);
    const nodes: BrokerNode[] = resolved.ports.map((port, index) => ({ id: index + 1, host: resolved.host, port, rack: null, up: false }));
    const timestampAfterMaxMs = resolved.release === '4.0' ? 3_600_000 : Number.MAX_SAFE_INTEGER;
    const state = new ClusterState(
      {
        defaultPartitions: resolved.defaultPartitions,
        defaultReplicationFactor: resolved.defaultReplicationFactor,
        autoCreateTopics: resolved.autoCreateTopics,
        maxPartitions: resolved.maxPartitions,
        maxProducersPerPartition: 10_000,
        retentionBytes: resolved.retentionBytes,
        maxMessageBytes: resolved.maxMessageBytes,
        timestampAfterMaxMs,
      },
      nodes,
      resolved.clusterId,
    );
    const groups = new GroupCoordinator({
      partitionExists: (topic, partition) => state.partition(topic, partition) !== undefined,
      ...(resolved.groupInitialRebalanceDelayMs === undefined ? {} : { initialRebalanceDelayMs: resolved.groupInitialRebalanceDelayMs }),
      ...(resolved.groupMinSessionTimeoutMs === undefined ? {} : { minSessionTimeoutMs: resolved.groupMinSessionTimeoutMs }),
      ...(resolved.groupMaxSessionTimeoutMs === undefined ? {} : { maxSessionTimeoutMs: resolved.groupMaxSessionTimeoutMs }),
      onTaskError: resolved.onError,
    });
    state.onTopicDeleted = (topic) => groups.deleteTopicOffsets(topic);
    const versions = new ApiVersionTable(resolved.release, implementedVersions());
    const faults = new FaultInjector();
    const servers = nodes.map(
      (node) =>
        new BrokerServer(node, {
          cluster: state,
          versions,
          groups,
          faults,
          limits: {
            maxRequestBytes: resolved.maxRequestBytes,
            maxQueuedRequests: 32,
            maxQueuedBytes: 8 * 1024 * 1024,
            maxUnsentBytes: 8 * 1024 * 1024,
          },
          maxConnections: resolved.maxConnectionsPerBroker,
          fetchSessionSlots: resolved.fetchSessionCacheSlots,
          now: Date.now,
          reportError: resolved.onError,
        }),
    );
    const cluster = new MockCluster(state, servers, versions, faults, groups);
    try {
      for (const server of servers) await server.listen();
      for (const topic of resolved.topics) {
        await cluster.createTopic(topic.name, { partitions: topic.partitions, replicationFactor: topic.replicationFactor, configs: Object.fromEntries(topic.configs) });
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** "host:port,host:port,..." of every broker. */
  get bootstrapServers(): string {
    return this.state.brokers.map((broker) => `${broker.host}:${broker.port}`).join(',');
  }

  get brokers(): readonly MockBroker[] {
    return this.state.brokers.map((broker) => ({ id: broker.id, host: broker.host, port: broker.port, up: broker.up }));
  }

  get clusterId(): string {
    return this.state.clusterId;
  }

  /** The Kafka release the cluster behaves as. */
  get asVersion(): KafkaRelease {
    return this.versions.release;
  }

  /** Stops every broker and the group coordinator. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.servers.map((server) => server.close()));
      this.groups.close();
      this.faults.clearAll();
    })();
    return this.stopping;
  }

  private checkRunning(): void {
    if (this.stopping) throw new KafkaStateError('the MockCluster is stopped');
  }

  private server(brokerId: number): BrokerServer {
    this.checkRunning();
    const server = this.servers.find((candidate) => candidate.node.id === brokerId);
    if (!server) throw new KafkaInvalidArgumentError(`no broker ${brokerId} (brokers: ${this.servers.map((s) => s.node.id).join(', ')})`);
    return server;
  }

  /** Closes the broker's connections and refuses new ones; its partitions keep it as their leader. */
  async brokerDown(brokerId: number): Promise<void> {
    await this.server(brokerId).close();
  }

  /** Listens on the broker's port again. */
  async brokerUp(brokerId: number): Promise<void> {
    await this.server(brokerId).listen();
  }

  /** Closes every connection of the broker (-1: of every broker); it keeps accepting new ones. */
  async dropConnections(brokerId: number): Promise<void> {
    this.checkRunning();
    for (const server of brokerId === -1 ? this.servers : [this.server(brokerId)]) server.dropConnections();
  }

  /** Makes `brokerId` the partition's leader (-1: no leader), bumping the leader epoch. */
  async setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    this.checkRunning();
    this.state.setLeader(topic, partition, brokerId);
  }

  /** Creates a topic; rejects with Kafka's error (e.g. TOPIC_ALREADY_EXISTS) when it cannot. */
  async createTopic(name: string, options: MockTopicCreation = {}): Promise<void> {
    this.checkRunning();
    try {
      this.state.createTopic({
        name,
        partitions: options.partitions ?? -1,
        replicationFactor: options.replicationFactor ?? -1,
        configs: new Map(Object.entries(options.configs ?? {})),
      });
    } catch (error) {
      if (error instanceof BrokerRequestError) throw new KafkaProtocolError(error.errorCode, { topic: name }, error.message);
      throw error;
    }
  }

  /** Deletes a topic; rejects with UNKNOWN_TOPIC_OR_PARTITION when there is none. */
  async deleteTopic(name: string): Promise<void> {
    this.checkRunning();
    const topic = this.state.topic(name);
    if (!topic) throw new KafkaProtocolError(3, { topic: name });
    this.state.deleteTopic(topic);
  }

  /** The topics' names, sorted. */
  topicNames(): string[] {
    return this.state
      .topics()
      .map((topic) => topic.name)
      .sort();
  }

  /** What the cluster holds for a partition, or undefined when there is no such partition. */
  partitionState(topic: string, partition: number): MockPartitionState | undefined {
    const state = this.state.partition(topic, partition);
    if (!state) return undefined;
    return {
      topic,
      partition,
      leader: state.leader,
      leaderEpoch: state.leaderEpoch,
      replicas: [...state.replicas],
      isr: [...state.isr],
      logStartOffset: state.log.logStartOffset,
      highWatermark: state.log.highWatermark,
      sizeInBytes: state.log.sizeInBytes,
    };
  }

  /** The record batches a partition holds, oldest first (empty for an unknown partition). */
  batches(topic: string, partition: number): MockBatchInfo[] {
    const state = this.state.partition(topic, partition);
    if (!state) return [];
    return state.log.liveBatches().map((batch) => {
      const bytes = batch.bytes;
      const attributes = bytes.readInt16BE(BATCH.attributes);
      return {
        baseOffset: batch.baseOffset,
        lastOffset: batch.lastOffset,
        sizeInBytes: bytes.length,
        compression: COMPRESSION_NAMES[attributes & ATTRIBUTE_COMPRESSION_MASK] ?? 'none',
        leaderEpoch: batch.leaderEpoch,
        producerId: Number(bytes.readBigInt64BE(BATCH.producerId)),
        producerEpoch: bytes.readInt16BE(BATCH.producerEpoch),
        baseSequence: bytes.readInt32BE(BATCH.baseSequence),
        timestampType: attributes & ATTRIBUTE_TIMESTAMP_TYPE ? 'LogAppendTime' : 'CreateTime',
      };
    });
  }

  /**
   * The next `codes.length` requests with this API key, on any broker, are answered with these
   * error codes in order (0: answer normally; -195: drop the connection).
   */
  async pushRequestErrors(apiKey: number, codes: readonly number[]): Promise<void> {
    this.checkRunning();
    this.faults.push(apiKey, codes);
  }

  /** Like pushRequestErrors, for one broker, each answer after its delay; consulted first. */
  async pushBrokerRequestErrors(brokerId: number, apiKey: number, errors: readonly MockRequestError[]): Promise<void> {
    this.server(brokerId);
    this.faults.pushForBroker(
      brokerId,
      apiKey,
      errors.map((error) => ({ code: error.code, rttMs: error.rttMs ?? 0 })),
    );
  }

  /** Forgets the cluster-wide injected errors of an API key. */
  async clearRequestErrors(apiKey: number): Promise<void> {
    this.checkRunning();
    this.faults.clear(apiKey);
  }

  /** Injected errors still queued for a broker and API key (its own plus the cluster-wide ones). */
  pendingRequestErrors(brokerId: number, apiKey: number): number {
    return this.faults.pending(brokerId, apiKey);
  }

  /** Delays every answer of a broker (-1: every broker) by `ms` (0 removes the delay). */
  async setRtt(brokerId: number, ms: number): Promise<void> {
    this.checkRunning();
    for (const server of brokerId === -1 ? this.servers : [this.server(brokerId)]) this.faults.setRtt(server.node.id, ms);
  }

  /** Pins the coordinator of a group or transactional id (-1: back to the hash of the key). */
  async setCoordinator(type: CoordinatorType, key: string, brokerId: number): Promise<void> {
    this.checkRunning();
    if (type !== 'group' && type !== 'transaction') throw new KafkaInvalidArgumentError(`coordinator type must be 'group' or 'transaction', got ${String(type)}`);
    this.state.pinCoordinator(type, key, brokerId);
  }

  /**
   * Narrows (or widens, within what is implemented) the versions advertised and accepted for an
   * API key; `(-1, -1)` stops advertising it.
   */
  async setApiVersion(apiKey: number, min: number, max: number): Promise<void> {
    this.checkRunning();
    this.versions.set(apiKey, min, max);
  }

  /** The advertised version ranges, by API key. */
  async apiVersions(): Promise<ReadonlyMap<number, VersionRange>> {
    return this.versions.all();
  }
}
