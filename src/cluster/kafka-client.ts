/**
 * `KafkaClient`: the public low-level client. It speaks any Kafka API, typed by the generated
 * descriptors, to a broker chosen by target, and probes brokers (negotiated versions, release).
 *
 *     const client = new KafkaClient({ bootstrapServers: 'localhost:9092' });
 *     await client.connect();
 *     await client.checkVersion();                        // '3.7'
 *     await client.metadata(['orders']);                  // brokers, topics, partitions, leaders
 *     await client.send('any', Metadata, { topics: null }); // the raw, typed response
 *     await client.produce('orders', 0, [{ key: 'k', value: 'v' }]); // one batch to a partition
 *     await client.fetch('orders', 0, 0);                 // records of a partition from an offset
 *     await client.close();
 */
import type { ApiDescriptor, Input } from '../protocol/api.js';
import { KafkaInvalidArgumentError, KafkaUnsupportedVersionError } from '../protocol/errors.js';
import type { ResponseFor } from '../network/connection.js';
import type { BrokerChannel } from './broker-pool.js';
import { Cluster, type RequestTarget } from './cluster.js';
import { formatBrokerAddress } from './addresses.js';
import { metadataView, type ClusterMetadataView } from './metadata.js';
import { resolveCommonOptions, type CommonClientOptions } from './options.js';
import {
  PartitionAccess,
  type ListOffsetsOptions,
  type ListedOffset,
  type OffsetSpec,
  type PartitionFetchOptions,
  type PartitionFetchResult,
  type PartitionProduceOptions,
  type PartitionProduceResult,
  type ProduceRecord,
} from './partition-access.js';
import { inferBrokerRelease, type ReleaseInference } from './releases.js';
import type { ApiVersionRow, VersionSource } from './versions.js';

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
} from './partition-access.js';

export type KafkaClientOptions = CommonClientOptions;

/** Where `send` sends a request. */
export type SendTarget = RequestTarget;

export interface CallOptions {
  signal?: AbortSignal;
  /** Time for the whole call (finding the broker included). Default `requestTimeoutMs`. */
  timeoutMs?: number;
}

export interface SendOptions extends CallOptions {
  /** The API version to use; default: the highest both sides support (and `maxApiVersions` allows). */
  version?: number;
}

export interface BrokerCallOptions extends CallOptions {
  /** The broker to ask; default the least loaded one. */
  brokerId?: number;
}

export interface BrokerIdentity {
  /** The broker id (negative for a bootstrap address not matched to an advertised broker). */
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

export interface ApiVersionsInfo {
  readonly broker: BrokerIdentity;
  /** How the table was learnt: the ApiVersions version used, or the legacy release probed. */
  readonly source: VersionSource;
  /** Every API the broker advertises, by API key. */
  readonly apis: readonly ApiVersionRow[];
}

export interface BrokerReleaseInfo extends ReleaseInference {
  readonly broker: BrokerIdentity;
  readonly source: VersionSource;
}

export class KafkaClient {
  private readonly cluster: Cluster;
  private readonly partitions: PartitionAccess;

  /** Validates the options (throws `KafkaConfigError` naming the key); does not connect. */
  constructor(options: KafkaClientOptions) {
    this.cluster = new Cluster(resolveCommonOptions(options, 'KafkaClient'));
    this.partitions = new PartitionAccess(this.cluster);
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.cluster.closed;
  }

  /**
   * Connects to the cluster: reaches a bootstrap server, negotiates versions and loads the
   * brokers' metadata. Retries (with backoff) until `timeoutMs` (default `requestTimeoutMs`).
   * Other methods connect on demand; calling this first surfaces an unreachable cluster early.
   */
  async connect(options: CallOptions = {}): Promise<void> {
    this.cluster.assertOpen();
    if (this.cluster.metadata.populated) return;
    await this.cluster.withRetries((attempt) => this.cluster.refreshMetadata({ signal: attempt.signal }), {
      ...this.retryBudget(options),
      what: `connecting to ${this.cluster.bootstrap.map((node) => formatBrokerAddress(node)).join(', ')}`,
    });
  }

  /**
   * Sends one request of any API and resolves with the decoded response, error codes included
   * (they are the caller's to interpret). Finding the broker is retried (metadata refreshes,
   * coordinator lookups) within `timeoutMs`; the request itself is sent once. Produce with
   * acks=0 resolves with `undefined`.
   */
  async send<Request, Response>(
    target: SendTarget,
    api: ApiDescriptor<Request, Response>,
    request: Input<Request>,
    options: SendOptions = {},
  ): Promise<ResponseFor<Request, Response>> {
    this.cluster.assertOpen();
    const budget = this.retryBudget(options);
    const started = performance.now();
    const channel = await this.cluster.withRetries(
      (attempt) => {
        if (typeof target === 'object' && target !== null && 'coordinator' in target) attempt.usingCoordinator(target.coordinator);
        return this.cluster.route(checkTarget(target), { signal: attempt.signal });
      },
      { ...budget, what: `finding the broker for ${api.name}`, retryConnectionErrors: false },
    );
    const remaining = Math.max(1, budget.timeoutMs - (performance.now() - started));
    return channel.send(api, request, {
      timeoutMs: remaining,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.version === undefined ? {} : { version: options.version }),
    });
  }

  /** The version table negotiated with a broker: every API it advertises, ours, and the version chosen. */
  async apiVersions(brokerId?: number, options: CallOptions = {}): Promise<ApiVersionsInfo> {
    const channel = await this.channelFor(brokerId, options);
    return { broker: identity(channel.node), source: channel.versions.source, apis: channel.versions.rows() };
  }

  /**
   * The Kafka release a broker runs, inferred from its API versions (like kafka-python's
   * check_version): a lower bound such as '3.7', '2.8' or '0.10.2'. A broker that predates
   * ApiVersions gives '0.9.0', '0.8.2', '0.8.1' or '0.8.0' from the requests it answers.
   */
  async checkVersion(options: BrokerCallOptions = {}): Promise<string> {
    const info = await this.brokerRelease(options);
    if (info.release === null) {
      throw new KafkaUnsupportedVersionError(`cannot infer the release of broker ${info.broker.id}: it lacks APIs every Kafka release has`);
    }
    return info.release;
  }

  /** `checkVersion` with the evidence: exactness, what the next release would need, the newest API version seen. */
  async brokerRelease(options: BrokerCallOptions = {}): Promise<BrokerReleaseInfo> {
    const channel = await this.channelFor(options.brokerId, options);
    const { versions } = channel;
    const broker = identity(channel.node);
    if (versions.source.kind === 'legacy') {
      const inference = inferBrokerRelease(versions.ranges);
      return { ...inference, release: versions.source.release, broker, source: versions.source };
    }
    return { ...inferBrokerRelease(versions.ranges), broker, source: versions.source };
  }

  /**
   * The cluster's metadata, fresh from a broker: brokers, controller, cluster id, and topics
   * (all of them, or `topics`) with their partitions, leaders, epochs, replicas and ISR. Topics
   * that do not exist are listed with error 'UNKNOWN_TOPIC_OR_PARTITION' (none is created).
   */
  async metadata(topics?: readonly string[], options: CallOptions = {}): Promise<ClusterMetadataView> {
    this.cluster.assertOpen();
    if (topics !== undefined) {
      if (!Array.isArray(topics) || topics.some((topic) => typeof topic !== 'string' || topic.length === 0)) {
        throw new KafkaInvalidArgumentError('topics must be an array of non-empty strings');
      }
    }
    const response = await this.cluster.withRetries(
      (attempt) => this.cluster.fetchMetadata(topics === undefined ? 'all' : [...topics], { signal: attempt.signal, timeoutMs: attempt.requestTimeoutMs() }),
      { ...this.retryBudget(options), what: 'Metadata request' },
    );
    return metadataView(response);
  }

  /**
   * Writes `records` as one batch to a partition's leader, in the record format the negotiated
   * Produce version implies (v3+ record batches, v2 magic 1, v0-v1 magic 0; `magic` overrides).
   * Metadata-class and connection errors are retried within `timeoutMs`. Not idempotent: a retry
   * after a lost answer may write the records twice. Broker error codes become
   * `KafkaProtocolError`s naming the topic-partition.
   */
  produce(topic: string, partition: number, records: readonly ProduceRecord[], options: PartitionProduceOptions = {}): Promise<PartitionProduceResult> {
    return this.partitions.produce(topic, partition, records, options);
  }

  /**
   * One Fetch of a partition from `offset` at its leader (a long poll of up to `maxWaitMs`, on its
   * own connection): the records of every complete batch, any format, from `offset` on. A first
   * batch larger than `maxBytes` is fetched whole with a second request. Broker error codes become
   * `KafkaFetchError`s, corrupt data `KafkaCorruptRecordError`s, naming topic-partition and offset.
   */
  fetch(topic: string, partition: number, offset: number, options: PartitionFetchOptions = {}): Promise<PartitionFetchResult> {
    return this.partitions.fetch(topic, partition, offset, options);
  }

  /** The earliest or latest offset of a partition, or the first at or after a timestamp (ms). */
  listOffsets(topic: string, partition: number, spec: OffsetSpec, options: ListOffsetsOptions = {}): Promise<ListedOffset> {
    return this.partitions.listOffsets(topic, partition, spec, options);
  }

  /** Closes every connection and timer (the process can exit). Later calls throw `KafkaStateError`. */
  async close(): Promise<void> {
    await this.cluster.close();
  }

  private retryBudget(options: CallOptions): { timeoutMs: number; signal?: AbortSignal } {
    const timeoutMs = options.timeoutMs ?? this.cluster.options.requestTimeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
      throw new KafkaInvalidArgumentError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
    }
    return options.signal === undefined ? { timeoutMs } : { timeoutMs, signal: options.signal };
  }

  private async channelFor(brokerId: number | undefined, options: CallOptions): Promise<BrokerChannel> {
    this.cluster.assertOpen();
    if (brokerId !== undefined && !Number.isInteger(brokerId)) throw new KafkaInvalidArgumentError(`brokerId must be an integer, got ${String(brokerId)}`);
    await this.connect(options);
    const target: RequestTarget = brokerId === undefined ? 'any' : { broker: brokerId };
    return this.cluster.withRetries((attempt) => this.cluster.route(target, { signal: attempt.signal }), {
      ...this.retryBudget(options),
      what: brokerId === undefined ? 'connecting to a broker' : `connecting to broker ${brokerId}`,
    });
  }
}

function identity(node: { id: number; host: string; port: number }): BrokerIdentity {
  return { id: node.id, host: node.host, port: node.port };
}

/** Checks a target given from untyped code (the REPL) and returns it. */
function checkTarget(target: SendTarget): SendTarget {
  if (target === 'any' || target === 'controller') return target;
  if (typeof target === 'object' && target !== null) {
    if ('broker' in target || 'leaderOf' in target) return target;
    if ('coordinator' in target) {
      const { type, key } = target.coordinator ?? ({} as { type?: unknown; key?: unknown });
      if ((type === 'group' || type === 'transaction') && typeof key === 'string') return target;
      throw new KafkaInvalidArgumentError("a coordinator target is { coordinator: { type: 'group' | 'transaction', key: string } }");
    }
  }
  throw new KafkaInvalidArgumentError(
    `unknown target ${JSON.stringify(target)}: use 'any', 'controller', { broker }, { leaderOf: { topic, partition } } or { coordinator: { type, key } }`,
  );
}
