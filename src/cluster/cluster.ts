/**
 * `Cluster`: the shared base of every kafkats client (KafkaClient, producer, consumer, admin).
 *
 * It owns the connection pool, the metadata cache and the coordinator cache, and routes requests:
 * to a broker id, to the leader of a topic-partition, to any broker (the least loaded), to the
 * controller, or to a group/transaction coordinator. See DESIGN.md ("Cluster layer") for the
 * internal API the clients build on.
 *
 * Bootstrap servers are used only until the first metadata; from then on the advertised brokers
 * are, as in the Java client. If every known broker has become unreachable, the bootstrap
 * addresses are tried again as well.
 */
import type { ApiDescriptor, Input } from '../protocol/api.js';
import { KafkaConnectionError, KafkaError, KafkaInvalidArgumentError, KafkaProtocolError, KafkaStateError } from '../protocol/errors.js';
import { Metadata, type MetadataResponse } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/primitives/uuid.js';
import type { ResponseFor } from '../network/connection.js';
import { formatBrokerAddress } from './addresses.js';
import { BrokerPool, DEFAULT_LANE, type BrokerChannel, type ChannelSendOptions } from './broker-pool.js';
import { CoordinatorCache, type CoordinatorKey } from './coordinators.js';
import { levelFilter, type Logger } from './logger.js';
import { MetadataCache, describeNode, type BrokerNode, type TopicSelection } from './metadata.js';
import type { ResolvedCommonOptions } from './options.js';
import { retryWithBackoff, type AttemptContext, type RetryOptions } from './retry.js';
import { backoffDelay, raceSignal } from './timing.js';
import { pickVersion, type AnyApi, type BrokerVersions } from './versions.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Where a request goes. */
export type RequestTarget =
  | 'any'
  | 'controller'
  | { readonly broker: number }
  | { readonly leaderOf: TopicPartition }
  | { readonly coordinator: CoordinatorKey };

export interface RouteOptions {
  signal?: AbortSignal;
  /** Connections are per broker and lane; a separate lane keeps e.g. long polls apart. */
  lane?: string;
}

export interface ClusterSendOptions extends ChannelSendOptions {
  lane?: string;
}

export interface MetadataRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Ask the broker to create missing topics (Metadata v4+, if the broker allows it). Default false. */
  allowAutoTopicCreation?: boolean;
}

interface QueuedRefresh {
  topics: Set<string> | 'all';
  forced: boolean;
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
const NOT_CONTROLLER = 41;
/** Metadata's default for authorized operations: not requested. */
const TOPIC_AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

function covers(running: TopicSelection, wanted: ReadonlySet<string> | 'all'): boolean {
  if (running === 'all') return true;
  if (wanted === 'all') return false;
  for (const topic of wanted) if (!running.includes(topic)) return false;
  return true;
}

/** The response restricted to `names`, in that order; names it lacks appear as UNKNOWN_TOPIC_OR_PARTITION. */
function onlyTopics(response: MetadataResponse, names: readonly string[]): MetadataResponse {
  const byName = new Map(response.topics.map((topic) => [topic.name, topic]));
  const topics = [...new Set(names)].map(
    (name) =>
      byName.get(name) ?? {
        errorCode: UNKNOWN_TOPIC_OR_PARTITION,
        name,
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [],
        topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS_UNKNOWN,
      },
  );
  return { ...response, topics };
}

export class Cluster {
  readonly options: ResolvedCommonOptions;
  readonly logger: Logger;
  readonly metadata = new MetadataCache();
  readonly coordinators: CoordinatorCache;
  private readonly pool: BrokerPool;
  private readonly bootstrapNodes: readonly BrokerNode[];
  /** Topics every metadata refresh asks for (those routed to or asked about). */
  private readonly interest = new Set<string>();
  private metadataStale = false;
  private refreshing: { readonly topics: TopicSelection; readonly promise: Promise<void> } | null = null;
  private queuedRefresh: QueuedRefresh | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private lastRefreshEnd = -Infinity;
  private refreshFailures = 0;
  private closing: Promise<void> | null = null;

  constructor(options: ResolvedCommonOptions) {
    this.options = options;
    this.logger = levelFilter(options.logger, options.logLevel);
    this.bootstrapNodes = options.bootstrapServers.map((address, index) => ({ id: -1 - index, host: address.host, port: address.port, rack: null }));
    this.pool = new BrokerPool({
      clientId: options.clientId,
      tls: options.tls,
      connectTimeoutMs: options.socketConnectionSetupTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      connectionsMaxIdleMs: options.connectionsMaxIdleMs,
      reconnectBackoffMs: options.reconnectBackoffMs,
      reconnectBackoffMaxMs: options.reconnectBackoffMaxMs,
      pins: options.maxApiVersions,
      logger: this.logger,
      onDisconnect: (node) => {
        this.coordinators.forgetNode(node.id);
        this.requestMetadataRefresh(`lost the connection to ${describeNode(node)}`);
      },
    });
    this.coordinators = new CoordinatorCache({ anyChannel: (signal) => this.anyChannel({ ...(signal ? { signal } : {}) }), logger: this.logger });
  }

  // ---- lifecycle ----

  get closed(): boolean {
    return this.closing !== null;
  }

  assertOpen(): void {
    if (this.closing !== null) throw new KafkaStateError('the client is closed');
  }

  /** Closes every connection and timer. Pending calls fail; later calls throw `KafkaStateError`. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
      const closedError = new KafkaStateError('the client is closed');
      this.queuedRefresh?.reject(closedError);
      this.queuedRefresh = null;
      this.coordinators.failAll(closedError);
      await this.pool.close();
    })();
    return this.closing;
  }

  // ---- brokers and connections ----

  /** The bootstrap entries, with ids -1, -2, ... */
  get bootstrap(): readonly BrokerNode[] {
    return this.bootstrapNodes;
  }

  /** A channel to a node (a broker from metadata, a coordinator, a bootstrap entry). */
  channelTo(node: BrokerNode, options: RouteOptions = {}): Promise<BrokerChannel> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.pool.channel(node, { lane: options.lane ?? DEFAULT_LANE, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** The versions negotiated with a broker, connecting to it if needed. */
  async versionsOf(brokerId: number, options: RouteOptions = {}): Promise<BrokerVersions> {
    const known = this.pool.versionsOf(brokerId);
    if (known !== null) return known;
    return (await this.route({ broker: brokerId }, options)).versions;
  }

  /**
   * The version to use for `api` with a broker: min(ours, the broker's, the `maxApiVersions` pin),
   * connecting first if no version table is known yet. Throws `KafkaUnsupportedVersionError`
   * naming the API and the broker when there is no common version.
   */
  async pick(api: AnyApi, brokerId: number, options: RouteOptions = {}): Promise<number> {
    const versions = await this.versionsOf(brokerId, options);
    const node = this.metadata.broker(brokerId);
    return pickVersion(api, versions.ranges.get(api.apiKey), versions.pins.get(api.apiKey), node === undefined ? versions.broker : describeNode(node));
  }

  /** Nodes to pick "any broker" from: the advertised brokers once known (plus bootstrap if all fail). */
  private candidateNodes(): BrokerNode[] {
    if (!this.metadata.populated || this.metadata.brokers.size === 0) return [...this.bootstrapNodes];
    const brokers = [...this.metadata.brokers.values()];
    const allFailing = brokers.every((broker) => {
      const load = this.pool.load(broker.id);
      return !load.connected && load.failures > 0;
    });
    return allFailing ? [...brokers, ...this.bootstrapNodes] : brokers;
  }

  /**
   * The least loaded node, as the Java client picks it: a connected node with the fewest pending
   * requests, else one that may be connected to now, else the one whose backoff ends first.
   */
  leastLoadedNode(exclude: ReadonlySet<number> = new Set()): BrokerNode | null {
    const candidates = this.candidateNodes().filter((node) => !exclude.has(node.id));
    if (candidates.length === 0) return null;
    const now = performance.now();
    // A random starting point spreads ties over the nodes.
    const offset = Math.floor(Math.random() * candidates.length);
    let best: BrokerNode | null = null;
    let bestScore = Infinity;
    for (let index = 0; index < candidates.length; index++) {
      const node = candidates[(offset + index) % candidates.length]!;
      const load = this.pool.load(node.id);
      const score = load.connected ? load.pending : load.retryAt <= now ? 1e9 : 2e9 + (load.retryAt - now);
      if (score < bestScore) {
        best = node;
        bestScore = score;
      }
    }
    return best;
  }

  /** A channel to the least loaded node; tries the others in turn when connecting fails. */
  async anyChannel(options: RouteOptions = {}): Promise<BrokerChannel> {
    this.assertOpen();
    const tried = new Set<number>();
    let lastError: unknown = null;
    for (;;) {
      const node = this.leastLoadedNode(tried);
      if (node === null) {
        throw lastError ?? new KafkaConnectionError('no broker to connect to');
      }
      tried.add(node.id);
      try {
        return await this.channelTo(node, options);
      } catch (error) {
        if (!(error instanceof KafkaConnectionError)) throw error;
        lastError = error;
      }
    }
  }

  /** Resolves a target to a ready channel. Metadata-class problems throw retriable `KafkaProtocolError`s. */
  async route(target: RequestTarget, options: RouteOptions = {}): Promise<BrokerChannel> {
    this.assertOpen();
    if (target === 'any') return this.anyChannel(options);
    this.refreshIfOld();
    if (target === 'controller') return this.channelTo(await this.controllerNode(options.signal), options);
    if ('broker' in target) return this.channelTo(await this.brokerNode(target.broker, options.signal), options);
    if ('leaderOf' in target) return this.channelTo(await this.leaderNode(target.leaderOf, options.signal), options);
    if ('coordinator' in target) return this.channelTo(await this.coordinators.find(target.coordinator, options.signal), options);
    throw new KafkaInvalidArgumentError(`unknown request target ${JSON.stringify(target)}`);
  }

  /** Routes and sends one request (no retries). */
  async send<Request, Response>(
    target: RequestTarget,
    api: ApiDescriptor<Request, Response>,
    body: Input<Request>,
    options: ClusterSendOptions = {},
  ): Promise<ResponseFor<Request, Response>> {
    const channel = await this.route(target, options);
    return channel.send(api, body, options);
  }

  /** Runs `operation` with retries, backoff, metadata refreshes and coordinator lookups (see retry.ts). */
  withRetries<T>(operation: (context: AttemptContext) => Promise<T>, options: RetryOptions = {}): Promise<T> {
    return retryWithBackoff(
      {
        logger: this.logger,
        requestTimeoutMs: this.options.requestTimeoutMs,
        retryBackoffMs: this.options.retryBackoffMs,
        retryBackoffMaxMs: this.options.retryBackoffMaxMs,
        assertOpen: () => this.assertOpen(),
        requestMetadataRefresh: (reason) => this.requestMetadataRefresh(reason),
        invalidateCoordinator: (coordinator) => this.coordinators.invalidate(coordinator),
      },
      operation,
      options,
    );
  }

  /**
   * Sends one request with retries: each attempt routes `target` afresh, sends, and runs `check`
   * on the response, which throws (e.g. `KafkaProtocolError` for an error code) to have the
   * attempt count as failed. Resolves with the first response `check` accepts.
   */
  sendWithRetries<Request, Response>(
    target: RequestTarget,
    api: ApiDescriptor<Request, Response>,
    body: Input<Request> | ((channel: BrokerChannel) => Input<Request>),
    options: RetryOptions & { lane?: string; version?: number; check?: (response: ResponseFor<Request, Response>, channel: BrokerChannel) => void } = {},
  ): Promise<ResponseFor<Request, Response>> {
    return this.withRetries(
      async (attempt) => {
        if (typeof target === 'object' && 'coordinator' in target) attempt.usingCoordinator(target.coordinator);
        const channel = await this.route(target, { signal: attempt.signal, ...(options.lane === undefined ? {} : { lane: options.lane }) });
        const request = typeof body === 'function' ? (body as (channel: BrokerChannel) => Input<Request>)(channel) : body;
        const response = await channel.send(api, request, {
          signal: attempt.signal,
          timeoutMs: attempt.requestTimeoutMs(),
          ...(options.version === undefined ? {} : { version: options.version }),
        });
        options.check?.(response, channel);
        return response;
      },
      { what: `${api.name} request`, ...options },
    );
  }

  // ---- routing helpers ----

  private async brokerNode(brokerId: number, signal?: AbortSignal): Promise<BrokerNode> {
    if (!Number.isInteger(brokerId)) throw new KafkaInvalidArgumentError(`broker id must be an integer, got ${String(brokerId)}`);
    if (brokerId < 0) {
      const entry = this.bootstrapNodes.find((node) => node.id === brokerId);
      if (entry !== undefined) return entry;
    }
    let node = this.metadata.broker(brokerId);
    if (node === undefined || this.metadataStale) {
      await this.refreshMetadata({ forced: this.metadataStale, ...(signal ? { signal } : {}) });
      node = this.metadata.broker(brokerId);
    }
    if (node === undefined) {
      const known = [...this.metadata.brokers.keys()].sort((a, b) => a - b).join(', ');
      throw new KafkaInvalidArgumentError(`broker ${brokerId} is not in the cluster metadata (brokers: ${known || 'none'})`);
    }
    return node;
  }

  private async controllerNode(signal?: AbortSignal): Promise<BrokerNode> {
    if (this.metadata.controllerId === null || this.metadataStale || !this.metadata.populated) {
      await this.refreshMetadata({ forced: this.metadataStale, ...(signal ? { signal } : {}) });
    }
    const id = this.metadata.controllerId;
    const node = id === null ? undefined : this.metadata.broker(id);
    if (node === undefined) throw new KafkaProtocolError(NOT_CONTROLLER, { apiName: 'Metadata' }, 'no controller is known');
    return node;
  }

  /** The leader of a partition from the cache (refreshed when unknown or stale); throws metadata-class errors. */
  async leaderNode(partition: TopicPartition, signal?: AbortSignal): Promise<BrokerNode> {
    const { topic } = partition;
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError('topic must be a non-empty string');
    if (!Number.isInteger(partition.partition) || partition.partition < 0) {
      throw new KafkaInvalidArgumentError(`partition must be a non-negative integer, got ${String(partition.partition)}`);
    }
    this.interest.add(topic);
    if (this.metadata.topic(topic) === undefined || this.metadataStale) {
      await this.refreshMetadata({ forced: this.metadataStale, ...(signal ? { signal } : {}) });
    }
    const entry = this.metadata.topic(topic);
    if (entry === undefined) throw new KafkaProtocolError(UNKNOWN_TOPIC_OR_PARTITION, { topic }, 'the broker did not describe the topic');
    if (entry.errorCode !== 0) throw new KafkaProtocolError(entry.errorCode, { topic });
    const state = this.metadata.partition(topic, partition.partition);
    if (state === undefined) throw new KafkaProtocolError(UNKNOWN_TOPIC_OR_PARTITION, { topic, partition: partition.partition });
    const leader = state.leader >= 0 ? this.metadata.broker(state.leader) : undefined;
    if (leader === undefined) throw new KafkaProtocolError(LEADER_NOT_AVAILABLE, { topic, partition: partition.partition });
    return leader;
  }

  // ---- metadata ----

  /** Adds topics that every metadata refresh asks for. */
  addTopics(topics: Iterable<string>): void {
    for (const topic of topics) this.interest.add(topic);
  }

  /** Marks the metadata stale: the next routing that depends on it waits for a refresh. */
  requestMetadataRefresh(reason: string): void {
    if (!this.metadataStale) this.logger.debug('metadata refresh requested', { reason });
    this.metadataStale = true;
  }

  /**
   * Refreshes the metadata of the topics of interest plus `topics` ('all' for every topic).
   * Concurrent refreshes share requests: a call joins the refresh in flight when that one covers
   * its topics, else the next one. A `forced` refresh (after errors) starts no sooner than the
   * retry backoff after the previous one ended.
   */
  refreshMetadata(options: { topics?: TopicSelection; forced?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const wanted: Set<string> | 'all' = options.topics === 'all' ? 'all' : new Set([...this.interest, ...(options.topics ?? [])]);
    if (wanted !== 'all') this.addTopics(wanted);
    if (this.refreshing !== null && covers(this.refreshing.topics, wanted) && !options.forced) {
      return raceSignal(this.refreshing.promise, options.signal);
    }
    let queued = this.queuedRefresh;
    if (queued === null) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {});
      queued = { topics: new Set(), forced: false, promise, resolve, reject };
      this.queuedRefresh = queued;
    }
    if (wanted === 'all' || queued.topics === 'all') queued.topics = 'all';
    else for (const topic of wanted) queued.topics.add(topic);
    queued.forced ||= options.forced === true;
    this.startQueuedRefresh();
    return raceSignal(queued.promise, options.signal);
  }

  private startQueuedRefresh(): void {
    const queued = this.queuedRefresh;
    if (queued === null || this.refreshing !== null || this.refreshTimer !== null || this.closed) return;
    if (queued.forced) {
      const earliest = this.lastRefreshEnd + backoffDelay(this.options.retryBackoffMs, this.options.retryBackoffMaxMs, this.refreshFailures + 1);
      const wait = earliest - performance.now();
      if (wait > 0) {
        this.refreshTimer = setTimeout(() => {
          this.refreshTimer = null;
          this.startQueuedRefresh();
        }, Math.ceil(wait));
        return;
      }
    }
    this.queuedRefresh = null;
    const topics: TopicSelection = queued.topics === 'all' ? 'all' : [...queued.topics];
    const promise = this.runRefresh(topics);
    this.refreshing = { topics, promise };
    // Cleared before anyone waiting hears of the outcome: a refresh asked for afterwards must
    // not join this finished one.
    const finish = (): void => {
      this.lastRefreshEnd = performance.now();
      this.refreshing = null;
    };
    promise.then(
      () => {
        finish();
        this.refreshFailures = 0;
        queued.resolve();
        this.startQueuedRefresh();
      },
      (error: unknown) => {
        finish();
        this.refreshFailures++;
        queued.reject(error);
        this.startQueuedRefresh();
      },
    );
  }

  private async runRefresh(topics: TopicSelection): Promise<void> {
    // Marked fresh at the start: errors seen while this refresh runs ask for another one.
    this.metadataStale = false;
    try {
      await this.fetchMetadata(topics);
    } catch (error) {
      this.metadataStale = true;
      throw error;
    }
  }

  /** Starts a background refresh when the metadata is older than `metadataMaxAgeMs`. */
  private refreshIfOld(): void {
    const updatedAt = this.metadata.updatedAt;
    if (updatedAt === null || this.refreshing !== null || this.queuedRefresh !== null) return;
    if (performance.now() - updatedAt < this.options.metadataMaxAgeMs) return;
    this.refreshMetadata().catch((error: unknown) => {
      this.logger.debug('periodic metadata refresh failed', { error: error instanceof Error ? error.message : String(error) });
    });
  }

  /**
   * Sends one Metadata request for `topics` to the least loaded broker (trying others when a
   * broker cannot be reached), applies it to the cache and returns the response as received.
   */
  async fetchMetadata(topics: TopicSelection, options: MetadataRequestOptions = {}): Promise<MetadataResponse> {
    this.assertOpen();
    const tried = new Set<number>();
    for (;;) {
      const node = this.leastLoadedNode(tried);
      if (node === null) throw new KafkaConnectionError('no broker to ask for metadata');
      tried.add(node.id);
      try {
        const channel = await this.channelTo(node, options.signal ? { signal: options.signal } : {});
        const version = channel.pick(Metadata);
        // Before v4 a broker may create every topic a Metadata request names (it cannot be told
        // not to): ask for all topics instead and keep the ones wanted.
        const askAll = topics === 'all' || (topics.length > 0 && version < 4 && options.allowAutoTopicCreation !== true);
        const body = askAll
          ? { topics: version === 0 ? [] : null }
          : {
              topics: topics.map((name) => ({ name })),
              ...(version >= 4 ? { allowAutoTopicCreation: options.allowAutoTopicCreation ?? false } : {}),
            };
        const response = await channel.send(Metadata, body, {
          version,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        });
        this.applyMetadata(response, askAll ? 'all' : topics, channel.node);
        if (askAll && topics !== 'all') return onlyTopics(response, topics);
        return response;
      } catch (error) {
        // Another broker may answer; anything but a connection problem is final.
        const connectionProblem = error instanceof KafkaConnectionError || (error instanceof KafkaError && error.errorName === 'REQUEST_TIMED_OUT');
        if (!connectionProblem || this.leastLoadedNode(tried) === null) throw error;
        this.logger.debug('metadata request failed; trying another broker', { broker: describeNode(node), error: (error as Error).message });
      }
    }
  }

  private applyMetadata(response: MetadataResponse, topics: TopicSelection, from: BrokerNode): void {
    const first = !this.metadata.populated;
    const change = this.metadata.apply(response, topics, performance.now());
    if (change.staleEpochPartitions > 0) {
      this.logger.debug('kept newer leader epochs over a stale metadata response', { broker: describeNode(from), partitions: change.staleEpochPartitions });
    }
    for (const broker of this.metadata.brokers.values()) this.pool.updateNode(broker);
    if (first) {
      // Bootstrap connections become the connections of the brokers at the same address.
      const byAddress = new Map([...this.metadata.brokers.values()].map((broker) => [formatBrokerAddress(broker), broker]));
      for (const entry of this.bootstrapNodes) {
        const broker = byAddress.get(formatBrokerAddress(entry));
        if (broker === undefined || !this.pool.adopt(entry.id, broker)) this.pool.retire(entry.id);
      }
      this.logger.debug('bootstrapped', { brokers: this.metadata.brokers.size, clusterId: this.metadata.clusterId });
    }
  }
}
