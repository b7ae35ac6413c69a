/**
 * The embedded cluster's shared state: brokers, topics, partitions (leaders, replicas, leader
 * epochs, logs, idempotent producer state), coordinators and producer ids. Every broker of a
 * MockCluster serves from this one object, as if metadata propagated instantly.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, KafkaInvalidArgumentError } from '../protocol/index.js';
import { PartitionLog } from './partition-log.js';
import { ProducerStateTable } from './producer-state.js';
import {
  TopicConfigError,
  effectiveTopicConfig,
  validateTopicConfigs,
  type EffectiveTopicConfig,
  type TopicConfigDefaults,
} from './topic-config.js';

export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  port: number;
  readonly rack: string | null;
  /** False between brokerDown and brokerUp. */
  up: boolean;
}

export type CoordinatorType = 'group' | 'transaction';

/** FindCoordinator's key types. */
export const CoordinatorKeyType = { Group: 0, Transaction: 1 } as const;

/** Kafka's partitions of __consumer_offsets and __transaction_state, over which keys are hashed. */
const COORDINATOR_PARTITIONS = 50;

export interface ClusterSettings extends TopicConfigDefaults {
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopics: boolean;
  /** Partitions the whole cluster may hold (each costs memory). */
  readonly maxPartitions: number;
  /** Idempotent producers remembered per partition (the least recently heard from are forgotten). */
  readonly maxProducersPerPartition: number;
}

/** A request Kafka refuses, with the code and message it answers with. */
export class BrokerRequestError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class PartitionState {
  readonly log: PartitionLog;
  readonly producers: ProducerStateTable;
  leader: number;
  leaderEpoch = 0;
  replicas: number[];
  isr: number[];
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly topic: TopicState,
    readonly index: number,
    replicas: number[],
    maxProducers: number,
  ) {
    this.replicas = replicas;
    this.isr = [...replicas];
    this.leader = replicas[0] ?? -1;
    this.log = new PartitionLog(() => topic.config.retentionBytes);
    this.producers = new ProducerStateTable(maxProducers);
    this.log.assignEpoch(0, 0);
  }

  /** Calls `listener` on every change (append, leader move, deletion) until the returned function is called. */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.watchers]) listener();
  }
}

export class TopicState {
  readonly partitions: PartitionState[] = [];
  deleted = false;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly configs: ReadonlyMap<string, string>,
    readonly config: EffectiveTopicConfig,
  ) {}
}

export interface NewTopic {
  readonly name: string;
  /** -1: the cluster default. Ignored when `assignments` is given. */
  readonly partitions: number;
  /** -1: the cluster default. Ignored when `assignments` is given. */
  readonly replicationFactor: number;
  /** Replica broker ids per partition, partition 0 first (CreateTopics' manual assignment). */
  readonly assignments?: readonly (readonly number[])[] | undefined;
  readonly configs?: ReadonlyMap<string, string> | undefined;
}

const LEGAL_TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's Topic.validate: the reason a name is refused, or null. */
export function invalidTopicNameReason(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL_TOPIC_CHARS.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/** A random Kafka UUID in its text form; like Kafka, never the zero id nor one starting with '-'. */
export function randomKafkaUuid(): string {
  for (;;) {
    const text = randomBytes(16).toString('base64url');
    if (!text.startsWith('-') && text !== 'AAAAAAAAAAAAAAAAAAAAAA') return text;
  }
}

/** Java's String.hashCode, so that keys map to the same coordinator partitions as in Kafka. */
function javaStringHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

export class ClusterState {
  readonly clusterId: string;
  readonly brokers: readonly BrokerNode[];
  private readonly topicsByName = new Map<string, TopicState>();
  private readonly topicsById = new Map<string, TopicState>();
  private readonly pinnedCoordinators = new Map<string, number>();
  private partitionCount = 0;
  private nextProducerId = 0;
  /** Called after a topic is deleted (the group coordinator forgets its committed offsets). */
  onTopicDeleted: ((topic: string) => void) | undefined;

  constructor(
    readonly settings: ClusterSettings,
    brokers: readonly BrokerNode[],
    clusterId: string = randomKafkaUuid(),
  ) {
    this.brokers = brokers;
    this.clusterId = clusterId;
  }

  broker(id: number): BrokerNode | undefined {
    return this.brokers.find((broker) => broker.id === id);
  }

  /** The broker, or a KafkaInvalidArgumentError naming the known ids. */
  requireBroker(id: number): BrokerNode {
    const broker = this.broker(id);
    if (!broker) throw new KafkaInvalidArgumentError(`no broker ${id} (brokers: ${this.brokers.map((b) => b.id).join(', ')})`);
    return broker;
  }

  liveBrokers(): BrokerNode[] {
    return this.brokers.filter((broker) => broker.up);
  }

  /** KRaft brokers report some live broker as the controller; the lowest id here. */
  controllerId(): number {
    return this.liveBrokers()[0]?.id ?? -1;
  }

  topic(name: string): TopicState | undefined {
    return this.topicsByName.get(name);
  }

  topicById(id: string): TopicState | undefined {
    return this.topicsById.get(id);
  }

  topics(): TopicState[] {
    return [...this.topicsByName.values()];
  }

  partition(topic: string, index: number): PartitionState | undefined {
    return this.topicsByName.get(topic)?.partitions[index];
  }

  /** Creates a topic, or throws BrokerRequestError with Kafka's code and message. */
  createTopic(spec: NewTopic, validateOnly = false): TopicState {
    const nameProblem = invalidTopicNameReason(spec.name);
    if (nameProblem) throw new BrokerRequestError(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (this.topicsByName.has(spec.name)) throw new BrokerRequestError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    const replicaLists = this.planReplicas(spec);
    const configs = new Map(spec.configs ?? []);
    try {
      validateTopicConfigs(configs);
    } catch (error) {
      if (error instanceof TopicConfigError) throw new BrokerRequestError(ErrorCode.INVALID_CONFIG, error.message);
      throw error;
    }
    if (this.partitionCount + replicaLists.length > this.settings.maxPartitions) {
      throw new BrokerRequestError(
        ErrorCode.INVALID_PARTITIONS,
        `Creating ${replicaLists.length} partitions would exceed the embedded cluster's limit of ${this.settings.maxPartitions} partitions`,
      );
    }
    const topic = new TopicState(spec.name, randomKafkaUuid(), configs, effectiveTopicConfig(configs, this.settings));
    if (validateOnly) return topic;
    replicaLists.forEach((replicas, index) => {
      topic.partitions.push(new PartitionState(topic, index, replicas, this.settings.maxProducersPerPartition));
    });
    this.topicsByName.set(topic.name, topic);
    this.topicsById.set(topic.id, topic);
    this.partitionCount += topic.partitions.length;
    return topic;
  }

  /**
   * Replicas per partition: leaders round-robin over the brokers (partition p led by the
   * (p mod n)-th broker), followers on the next ones, so tests can predict placement.
   */
  private planReplicas(spec: NewTopic): number[][] {
    const brokerIds = this.brokers.map((broker) => broker.id);
    if (spec.assignments && spec.assignments.length > 0) {
      return spec.assignments.map((replicas, index) => {
        if (replicas.length === 0 || new Set(replicas).size !== replicas.length || replicas.some((id) => !brokerIds.includes(id))) {
          throw new BrokerRequestError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Invalid replica assignment for partition ${index}: [${replicas.join(', ')}]`);
        }
        return [...replicas];
      });
    }
    const partitions = spec.partitions === -1 ? this.settings.defaultPartitions : spec.partitions;
    const replicationFactor = spec.replicationFactor === -1 ? this.settings.defaultReplicationFactor : spec.replicationFactor;
    if (!Number.isInteger(partitions) || partitions <= 0) {
      throw new BrokerRequestError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    }
    if (!Number.isInteger(replicationFactor) || replicationFactor <= 0) {
      throw new BrokerRequestError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
    }
    if (replicationFactor > brokerIds.length) {
      throw new BrokerRequestError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${brokerIds.length} broker(s) are registered.`,
      );
    }
    return Array.from({ length: partitions }, (_, partition) =>
      Array.from({ length: replicationFactor }, (_, replica) => brokerIds[(partition + replica) % brokerIds.length]!),
    );
  }

  deleteTopic(topic: TopicState): void {
    if (this.topicsByName.get(topic.name) !== topic) return;
    this.topicsByName.delete(topic.name);
    this.topicsById.delete(topic.id);
    this.partitionCount -= topic.partitions.length;
    topic.deleted = true;
    for (const partition of topic.partitions) partition.notify();
    this.onTopicDeleted?.(topic.name);
  }

  /** Moves leadership (-1: no leader), bumping the leader epoch as Kafka does on every election. */
  setLeader(topicName: string, index: number, brokerId: number): void {
    const partition = this.partition(topicName, index);
    if (!partition) throw new KafkaInvalidArgumentError(`no partition ${topicName}-${index}`);
    if (brokerId !== -1) this.requireBroker(brokerId);
    partition.leader = brokerId;
    partition.leaderEpoch++;
    if (brokerId !== -1) {
      if (!partition.replicas.includes(brokerId)) partition.replicas = [...partition.replicas, brokerId];
      if (!partition.isr.includes(brokerId)) partition.isr = [...partition.isr, brokerId];
      partition.log.assignEpoch(partition.leaderEpoch, partition.log.logEndOffset);
    }
    partition.notify();
  }

  /** Pins the coordinator of a key (-1: back to the hash). */
  pinCoordinator(type: CoordinatorType, key: string, brokerId: number): void {
    const pinKey = `${type}\u0000${key}`;
    if (brokerId === -1) {
      this.pinnedCoordinators.delete(pinKey);
      return;
    }
    this.requireBroker(brokerId);
    this.pinnedCoordinators.set(pinKey, brokerId);
  }

  /**
   * The broker coordinating a group or transactional id: pinned by setCoordinator, else the leader
   * of the key's partition of Kafka's internal topic (Java hash mod 50), led round-robin by the
   * brokers; when that broker is down, the partition moves to a live one (so, as in Kafka, only the
   * keys of a down broker move). -1 when no broker is up.
   */
  coordinatorFor(type: CoordinatorType, key: string): number {
    const pinned = this.pinnedCoordinators.get(`${type}\u0000${key}`);
    if (pinned !== undefined) return pinned;
    const hash = javaStringHash(key);
    const partition = (hash === -0x80000000 ? 0 : Math.abs(hash)) % COORDINATOR_PARTITIONS;
    const leader = this.brokers[partition % this.brokers.length];
    if (leader?.up) return leader.id;
    const live = this.liveBrokers();
    return live.length === 0 ? -1 : live[partition % live.length]!.id;
  }

  allocateProducerId(): number {
    return this.nextProducerId++;
  }
}
