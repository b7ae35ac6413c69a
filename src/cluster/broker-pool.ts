/**
 * The connection pool: per broker (and per "lane", so that e.g. a consumer's long fetches do not
 * queue its heartbeats), at most one `Connection`, connected lazily, with its negotiated
 * `BrokerVersions`.
 *
 * - A failed connection attempt makes the next one wait `reconnectBackoffMs` doubling up to
 *   `reconnectBackoffMaxMs`, with ±20% jitter; an established connection that breaks waits the base
 *   backoff. Callers wanting the broker wait for the backoff (bounded by their own signal).
 * - Connections unused for `connectionsMaxIdleMs` are closed by a sweeper timer that does not keep
 *   the process alive.
 * - A broker that closes the connection on ApiVersions is probed as a pre-0.10 broker once per
 *   address; later connections to it skip ApiVersions and use the probed table.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ApiDescriptor, Input } from '../protocol/api.js';
import { KafkaConnectionError, KafkaStateError, KafkaUnsupportedVersionError, type KafkaError } from '../protocol/errors.js';
import { Connection, type ResponseFor } from '../network/connection.js';
import { formatBrokerAddress } from './addresses.js';
import type { Logger } from './logger.js';
import { describeNode, type BrokerNode } from './metadata.js';
import { backoffDelay, raceSignal, sleep } from './timing.js';
import { BrokerVersions, negotiateApiVersions, pickVersion, probeLegacyRelease, withPins, type VersionPins } from './versions.js';

export interface PoolSettings {
  readonly clientId: string;
  readonly tls: TlsConnectionOptions | null;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectionsMaxIdleMs: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly pins: VersionPins;
  readonly logger: Logger;
  /** Called when an established connection breaks (not when the pool closes it). */
  readonly onDisconnect: (node: BrokerNode, reason: KafkaError) => void;
}

export interface ChannelSendOptions {
  /** A version to use instead of the negotiated one; must be within the broker's range. */
  version?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The lane most requests use. */
export const DEFAULT_LANE = 'default';

/** A ready connection to one broker, with the versions negotiated on it. */
export class BrokerChannel {
  constructor(
    private readonly state: { readonly node: BrokerNode },
    readonly connection: Connection,
    readonly versions: BrokerVersions,
    private readonly markUsed: () => void,
  ) {}

  /** The broker (a bootstrap entry becomes the advertised broker at its address once metadata arrives). */
  get node(): BrokerNode {
    return this.state.node;
  }

  /** 'broker 2 (host:9092)' or 'bootstrap server host:9092'. */
  get label(): string {
    return describeNode(this.node);
  }

  /** The version kafkats uses for `api` with this broker (throws `KafkaUnsupportedVersionError`). */
  pick<Request, Response>(api: ApiDescriptor<Request, Response>): number {
    // Named by the channel, not by the versions: a bootstrap entry may have become a known broker.
    return pickVersion(api, this.versions.ranges.get(api.apiKey), this.versions.pins.get(api.apiKey), this.label);
  }

  /** Sends one request at the negotiated (or given) version and resolves with the decoded response. */
  send<Request, Response>(api: ApiDescriptor<Request, Response>, body: Input<Request>, options: ChannelSendOptions = {}): Promise<ResponseFor<Request, Response>> {
    let version: number;
    try {
      version = options.version === undefined ? this.pick(api) : this.checkedVersion(api, options.version);
    } catch (error) {
      return Promise.reject(error);
    }
    this.markUsed();
    const response = this.connection.request(api, version, body, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    response.then(this.markUsed, this.markUsed);
    return response;
  }

  private checkedVersion(api: ApiDescriptor<unknown, unknown>, version: number): number {
    const range = this.versions.ranges.get(api.apiKey);
    if (range === undefined || version < range.min || version > range.max) {
      const offered = range === undefined ? 'does not support it' : `supports v${range.min}-${range.max}`;
      throw new KafkaUnsupportedVersionError(`${api.name} v${version} requested, but ${this.label} ${offered}`);
    }
    return version;
  }
}

interface Lane {
  channel: BrokerChannel | null;
  connecting: Promise<BrokerChannel> | null;
  lastUsed: number;
}

interface NodeState {
  node: BrokerNode;
  /** Connection attempts that failed in a row. */
  failures: number;
  /** `performance.now()` before which no new connection attempt starts. */
  retryAt: number;
  readonly lanes: Map<string, Lane>;
}

/** What least-loaded selection needs to know about a node. */
export interface NodeLoad {
  /** A ready connection exists (on any lane). */
  readonly connected: boolean;
  /** Requests in flight or queued on its connections. */
  readonly pending: number;
  /** `performance.now()` before which a new connection will not be attempted. */
  readonly retryAt: number;
  readonly failures: number;
}

export class BrokerPool {
  private readonly nodes = new Map<number, NodeState>();
  /** Pre-0.10 brokers, by address: their probed version table. */
  private readonly legacyByAddress = new Map<string, BrokerVersions>();
  private readonly lifetime = new AbortController();
  private sweeper: NodeJS.Timeout | null = null;
  private isClosed = false;

  constructor(private readonly settings: PoolSettings) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** A ready channel to `node` on `lane`, connecting (after any backoff) if needed. */
  channel(node: BrokerNode, options: { lane?: string; signal?: AbortSignal } = {}): Promise<BrokerChannel> {
    if (this.isClosed) return Promise.reject(new KafkaStateError('the client is closed'));
    const state = this.stateFor(node);
    const laneName = options.lane ?? DEFAULT_LANE;
    let lane = state.lanes.get(laneName);
    if (lane === undefined) {
      lane = { channel: null, connecting: null, lastUsed: performance.now() };
      state.lanes.set(laneName, lane);
    }
    if (lane.channel !== null && !lane.channel.connection.isClosed) return Promise.resolve(lane.channel);
    if (lane.connecting === null) {
      const connecting = this.open(state, lane);
      lane.connecting = connecting;
      const clear = (): void => {
        if (lane.connecting === connecting) lane.connecting = null;
      };
      connecting.then(clear, clear);
    }
    return raceSignal(lane.connecting, options.signal);
  }

  /** The ready channel to a node on a lane, without connecting; null if there is none. */
  readyChannel(nodeId: number, lane: string = DEFAULT_LANE): BrokerChannel | null {
    const channel = this.nodes.get(nodeId)?.lanes.get(lane)?.channel ?? null;
    return channel !== null && channel.connection.isReady ? channel : null;
  }

  /** The versions negotiated with a node on any of its current connections, or null. */
  versionsOf(nodeId: number): BrokerVersions | null {
    for (const lane of this.nodes.get(nodeId)?.lanes.values() ?? []) {
      if (lane.channel !== null) return lane.channel.versions;
    }
    return null;
  }

  load(nodeId: number): NodeLoad {
    const state = this.nodes.get(nodeId);
    if (state === undefined) return { connected: false, pending: 0, retryAt: 0, failures: 0 };
    let connected = false;
    let pending = 0;
    for (const lane of state.lanes.values()) {
      const connection = lane.channel?.connection;
      if (connection === undefined || connection.isClosed) continue;
      if (connection.isReady) connected = true;
      pending += connection.inFlightCount + connection.queuedRequestCount;
    }
    return { connected, pending, retryAt: state.retryAt, failures: state.failures };
  }

  /**
   * Records a node's current identity. A node whose address changed has its connections closed
   * (they lead to the old address); one whose id changed (a bootstrap entry that turned out to be
   * a known broker) is moved with its connections.
   */
  updateNode(node: BrokerNode): void {
    const state = this.nodes.get(node.id);
    if (state === undefined) return;
    if (state.node.host !== node.host || state.node.port !== node.port) {
      this.closeLanes(state);
      state.failures = 0;
      state.retryAt = 0;
    }
    state.node = node;
  }

  /** Moves a bootstrap entry's connections to the broker at the same address. */
  adopt(fromId: number, node: BrokerNode): boolean {
    const state = this.nodes.get(fromId);
    if (state === undefined || this.nodes.has(node.id)) return false;
    if (state.node.host !== node.host || state.node.port !== node.port) return false;
    this.nodes.delete(fromId);
    state.node = node;
    this.nodes.set(node.id, state);
    return true;
  }

  /** Closes a node's connections (after the requests on them complete, up to requestTimeoutMs). */
  retire(nodeId: number): void {
    const state = this.nodes.get(nodeId);
    if (state === undefined) return;
    this.nodes.delete(nodeId);
    for (const lane of state.lanes.values()) {
      void lane.channel?.connection.close({ drainTimeoutMs: this.settings.requestTimeoutMs });
    }
  }

  nodeIds(): number[] {
    return [...this.nodes.keys()];
  }

  /** Closes every connection and timer; pending requests fail with `KafkaConnectionError`. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.lifetime.abort(new KafkaStateError('the client is closed'));
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    const closing: Promise<void>[] = [];
    for (const state of this.nodes.values()) closing.push(...this.closeLanes(state));
    this.nodes.clear();
    await Promise.all(closing);
  }

  // ---- internals ----

  private stateFor(node: BrokerNode): NodeState {
    let state = this.nodes.get(node.id);
    if (state === undefined) {
      state = { node, failures: 0, retryAt: 0, lanes: new Map() };
      this.nodes.set(node.id, state);
    } else if (state.node.host !== node.host || state.node.port !== node.port) {
      this.updateNode(node);
    }
    return state;
  }

  private closeLanes(state: NodeState): Promise<void>[] {
    const closing: Promise<void>[] = [];
    for (const lane of state.lanes.values()) {
      if (lane.channel !== null) closing.push(lane.channel.connection.close());
      lane.channel = null;
    }
    return closing;
  }

  private newConnection(node: BrokerNode, authenticate?: (connection: Connection, signal: AbortSignal) => Promise<void>): Connection {
    return new Connection({
      host: node.host,
      port: node.port,
      clientId: this.settings.clientId,
      ...(this.settings.tls === null ? {} : { tls: this.settings.tls }),
      connectTimeoutMs: this.settings.connectTimeoutMs,
      requestTimeoutMs: this.settings.requestTimeoutMs,
      ...(authenticate === undefined ? {} : { authenticate }),
    });
  }

  private async open(state: NodeState, lane: Lane): Promise<BrokerChannel> {
    const wait = state.retryAt - performance.now();
    if (wait > 0) {
      try {
        await sleep(wait, this.lifetime.signal);
      } catch {
        throw new KafkaStateError('the client is closed');
      }
    }
    const node = state.node;
    const label = describeNode(node);
    const address = formatBrokerAddress(node);
    const legacy = this.legacyByAddress.get(address);

    let versions: BrokerVersions | null = null;
    let handshakeSent = false;
    let handshakeAnswered = false;
    let setupSignal: AbortSignal | null = null;
    const connection = this.newConnection(node, async (connecting, signal) => {
      if (legacy !== undefined) {
        versions = withPins(legacy, this.settings.pins);
        return;
      }
      setupSignal = signal;
      handshakeSent = true;
      versions = await negotiateApiVersions(connecting, { broker: label, pins: this.settings.pins, signal });
      handshakeAnswered = true;
    });

    try {
      await connection.connect(this.lifetime.signal);
    } catch (error) {
      if (this.isClosed) throw new KafkaStateError('the client is closed');
      const closedOnHandshake =
        handshakeSent && !handshakeAnswered && error instanceof KafkaConnectionError && !(setupSignal as AbortSignal | null)?.aborted;
      if (closedOnHandshake) return this.openAfterLegacyProbe(state, lane);
      this.recordFailure(state, error);
      throw error;
    }
    if (this.isClosed) {
      await connection.close();
      throw new KafkaStateError('the client is closed');
    }

    state.failures = 0;
    const attached = this.nodes.get(state.node.id);
    if (attached === undefined) {
      // Retired while connecting (a bootstrap entry after the first metadata): keep it in the
      // pool, where the idle sweeper and close() will find it.
      this.nodes.set(state.node.id, state);
    } else if (attached !== state) {
      // Another entry took the id meanwhile; this connection is surplus.
      void connection.close({ drainTimeoutMs: this.settings.requestTimeoutMs });
    }
    const channel = new BrokerChannel(state, connection, versions!, () => {
      lane.lastUsed = performance.now();
    });
    lane.channel = channel;
    lane.lastUsed = performance.now();
    connection.onClose((reason) => {
      if (lane.channel === channel) lane.channel = null;
      if (reason === null || this.isClosed) return;
      state.retryAt = performance.now() + backoffDelay(this.settings.reconnectBackoffMs, this.settings.reconnectBackoffMaxMs, 1);
      this.settings.logger.debug('connection closed', { broker: label, reason: reason.message });
      this.settings.onDisconnect(state.node, reason);
    });
    this.startSweeper();
    this.settings.logger.debug('connected', { broker: label, versions: describeSource(channel.versions) });
    return channel;
  }

  private async openAfterLegacyProbe(state: NodeState, lane: Lane): Promise<BrokerChannel> {
    const node = state.node;
    const label = describeNode(node);
    this.settings.logger.info('the broker closed the connection on ApiVersions; probing for a pre-0.10 release', { broker: label });
    let probed: BrokerVersions;
    try {
      probed = await probeLegacyRelease(
        async () => {
          const connection = this.newConnection(node);
          await connection.connect(this.lifetime.signal);
          return connection;
        },
        label,
        this.lifetime.signal,
      );
    } catch (error) {
      const failure = this.isClosed ? new KafkaStateError('the client is closed') : (error as KafkaError);
      this.recordFailure(state, failure);
      throw failure;
    }
    this.legacyByAddress.set(formatBrokerAddress(node), probed);
    this.settings.logger.warn('the broker predates ApiVersions; using the fixed version table of its release', {
      broker: label,
      release: probed.source.kind === 'legacy' ? probed.source.release : null,
    });
    return this.open(state, lane);
  }

  private recordFailure(state: NodeState, error: unknown): void {
    state.failures++;
    state.retryAt = performance.now() + backoffDelay(this.settings.reconnectBackoffMs, this.settings.reconnectBackoffMaxMs, state.failures);
    this.settings.logger.debug('connection attempt failed', {
      broker: describeNode(state.node),
      failures: state.failures,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  private startSweeper(): void {
    const maxIdle = this.settings.connectionsMaxIdleMs;
    if (this.sweeper !== null || maxIdle === Infinity) return;
    const interval = Math.max(10, Math.min(Math.floor(maxIdle / 2), 30_000));
    this.sweeper = setInterval(() => this.closeIdle(), interval);
    this.sweeper.unref();
  }

  private closeIdle(): void {
    const now = performance.now();
    let open = 0;
    for (const state of this.nodes.values()) {
      for (const lane of state.lanes.values()) {
        const connection = lane.channel?.connection;
        if (connection === undefined || connection.isClosed) continue;
        const idle = connection.inFlightCount === 0 && connection.queuedRequestCount === 0 && now - lane.lastUsed >= this.settings.connectionsMaxIdleMs;
        if (idle) {
          this.settings.logger.debug('closing idle connection', { broker: describeNode(state.node) });
          lane.channel = null;
          void connection.close();
        } else {
          open++;
        }
      }
    }
    if (open === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}

function describeSource(versions: BrokerVersions): string {
  return versions.source.kind === 'api-versions' ? `ApiVersions v${versions.source.version}` : `legacy ${versions.source.release}`;
}
