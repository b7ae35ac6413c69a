/**
 * The metadata cache: brokers (with racks), controller, cluster id, and per topic its id, internal
 * flag, error and partitions (leader, leader epoch, replicas, ISR, offline replicas, error).
 *
 * `MetadataCache.apply` merges one Metadata response. Brokers, controller and cluster id are
 * replaced; topics are replaced one by one (or all, for an all-topics request). As the Java client
 * does, a partition whose cached leader epoch is newer than the response's keeps its cached state:
 * a lagging broker must not send us back to an old leader.
 */
import { errorInfo } from '../protocol/errors.js';
import type { MetadataResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives/uuid.js';
import { formatBrokerAddress } from './addresses.js';

export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly partition: number;
  /** -1 when the partition has no leader. */
  readonly leader: number;
  /** -1 when the broker did not say (Metadata v0-6). */
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
  /** Kafka's error code for the partition, 0 for none. */
  readonly errorCode: number;
}

export interface TopicMetadata {
  readonly name: string;
  /** null before Metadata v10 or when the broker has none. */
  readonly topicId: string | null;
  readonly isInternal: boolean;
  /** Kafka's error code for the topic (UNKNOWN_TOPIC_OR_PARTITION, ...), 0 for none. */
  readonly errorCode: number;
  /** By partition index, ascending. */
  readonly partitions: readonly PartitionMetadata[];
}

/** Which topics a Metadata request asked for. */
export type TopicSelection = 'all' | readonly string[];

export interface MetadataChange {
  /** Brokers that appeared, disappeared or moved to another address. */
  readonly brokersChanged: boolean;
  /** Partitions whose cached state was kept because the response had an older leader epoch. */
  readonly staleEpochPartitions: number;
}

function nodesEqual(a: BrokerNode, b: BrokerNode): boolean {
  return a.host === b.host && a.port === b.port && a.rack === b.rack;
}

/** Converts one Metadata response's topic into our form. */
export function topicFromResponse(topic: MetadataResponse['topics'][number]): TopicMetadata {
  const partitions = topic.partitions
    .map(
      (partition): PartitionMetadata => ({
        partition: partition.partitionIndex,
        leader: partition.leaderId,
        leaderEpoch: partition.leaderEpoch,
        replicas: partition.replicaNodes,
        isr: partition.isrNodes,
        offlineReplicas: partition.offlineReplicas,
        errorCode: partition.errorCode,
      }),
    )
    .sort((a, b) => a.partition - b.partition);
  return {
    name: topic.name ?? '',
    topicId: topic.topicId === ZERO_UUID ? null : topic.topicId,
    isInternal: topic.isInternal,
    errorCode: topic.errorCode,
    partitions,
  };
}

export class MetadataCache {
  private brokerNodes = new Map<number, BrokerNode>();
  private topicEntries = new Map<string, TopicMetadata>();
  private cachedClusterId: string | null = null;
  private cachedControllerId: number | null = null;
  /** `performance.now()` of the last applied response; null before the first. */
  private lastUpdate: number | null = null;

  get brokers(): ReadonlyMap<number, BrokerNode> {
    return this.brokerNodes;
  }

  get topics(): ReadonlyMap<string, TopicMetadata> {
    return this.topicEntries;
  }

  get clusterId(): string | null {
    return this.cachedClusterId;
  }

  /** null when unknown (Metadata v0, or the broker reported none). */
  get controllerId(): number | null {
    return this.cachedControllerId;
  }

  get updatedAt(): number | null {
    return this.lastUpdate;
  }

  /** Whether any response has been applied. */
  get populated(): boolean {
    return this.lastUpdate !== null;
  }

  topic(name: string): TopicMetadata | undefined {
    return this.topicEntries.get(name);
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    const entry = this.topicEntries.get(topic);
    if (entry === undefined) return undefined;
    // Partitions are dense and sorted in practice: try the direct index first.
    const direct = entry.partitions[partition];
    if (direct !== undefined && direct.partition === partition) return direct;
    return entry.partitions.find((candidate) => candidate.partition === partition);
  }

  broker(id: number): BrokerNode | undefined {
    return this.brokerNodes.get(id);
  }

  /** Merges a Metadata response for `requested` topics, received at `now` (performance.now()). */
  apply(response: MetadataResponse, requested: TopicSelection, now: number): MetadataChange {
    const brokers = new Map<number, BrokerNode>();
    for (const broker of response.brokers) {
      brokers.set(broker.nodeId, { id: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack });
    }
    let brokersChanged = brokers.size !== this.brokerNodes.size;
    for (const [id, node] of brokers) {
      const before = this.brokerNodes.get(id);
      if (before === undefined || !nodesEqual(before, node)) brokersChanged = true;
    }
    this.brokerNodes = brokers;
    this.cachedClusterId = response.clusterId;
    this.cachedControllerId = response.controllerId >= 0 ? response.controllerId : null;

    let staleEpochPartitions = 0;
    const next = requested === 'all' ? new Map<string, TopicMetadata>() : new Map(this.topicEntries);
    for (const raw of response.topics) {
      if (raw.name === null) continue; // only for lookups by topic id, which this cache does not make
      const incoming = topicFromResponse(raw);
      const cached = this.topicEntries.get(incoming.name);
      if (cached === undefined || incoming.errorCode !== 0) {
        next.set(incoming.name, incoming);
        continue;
      }
      const partitions = incoming.partitions.map((partition) => {
        const old = cached.partitions.find((candidate) => candidate.partition === partition.partition);
        if (old !== undefined && old.leaderEpoch >= 0 && partition.leaderEpoch >= 0 && partition.leaderEpoch < old.leaderEpoch) {
          staleEpochPartitions++;
          return old;
        }
        return partition;
      });
      next.set(incoming.name, { ...incoming, partitions });
    }
    this.topicEntries = next;
    this.lastUpdate = now;
    return { brokersChanged, staleEpochPartitions };
  }

  /** Forgets a topic (e.g. one deleted or no longer used). */
  forgetTopic(name: string): void {
    this.topicEntries.delete(name);
  }
}

// ---- the friendly view returned by KafkaClient.metadata() ----

export interface ClusterMetadataView {
  readonly clusterId: string | null;
  readonly controllerId: number | null;
  /** By id, ascending. */
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number; readonly rack: string | null }[];
  /** By name, ascending. */
  readonly topics: readonly TopicView[];
}

export interface TopicView {
  readonly name: string;
  readonly topicId: string | null;
  readonly isInternal: boolean;
  /** Kafka's error name for the topic (e.g. 'UNKNOWN_TOPIC_OR_PARTITION'), or null. */
  readonly error: string | null;
  readonly partitions: readonly PartitionView[];
}

export interface PartitionView {
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
  readonly error: string | null;
}

function errorName(code: number): string | null {
  return code === 0 ? null : errorInfo(code).name;
}

/** The view of one Metadata response: what the broker said, sorted. */
export function metadataView(response: MetadataResponse): ClusterMetadataView {
  return {
    clusterId: response.clusterId,
    controllerId: response.controllerId >= 0 ? response.controllerId : null,
    brokers: response.brokers
      .map((broker) => ({ id: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack }))
      .sort((a, b) => a.id - b.id),
    topics: response.topics
      .filter((topic) => topic.name !== null)
      .map((raw) => {
        const topic = topicFromResponse(raw);
        return {
          name: topic.name,
          topicId: topic.topicId,
          isInternal: topic.isInternal,
          error: errorName(topic.errorCode),
          partitions: topic.partitions.map((partition) => ({
            partition: partition.partition,
            leader: partition.leader,
            leaderEpoch: partition.leaderEpoch,
            replicas: partition.replicas,
            isr: partition.isr,
            offlineReplicas: partition.offlineReplicas,
            error: errorName(partition.errorCode),
          })),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** 'broker 2 (host:9092)' for known brokers, 'bootstrap server host:9092' for bootstrap entries. */
export function describeNode(node: BrokerNode): string {
  const address = formatBrokerAddress(node);
  return node.id < 0 ? `bootstrap server ${address}` : `broker ${node.id} (${address})`;
}
