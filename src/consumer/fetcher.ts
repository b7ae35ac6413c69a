/**
 * The fetcher: keeps Fetch requests going to the brokers that hold the assigned partitions while
 * the application works, and buffers what comes back for poll() (the Java client's Fetcher, with
 * librdkafka-style background prefetching).
 *
 * - At most one Fetch is in flight per broker, on its own connection lane ('fetch'), so that a
 *   long poll never delays commits, heartbeats or metadata.
 * - A partition is fetched only when it has a position, is not paused or being revoked, is not in
 *   a request already and has no buffered data: each partition has at most one fetch response
 *   waiting to be returned.
 * - Memory is bounded by `fetchMaxBytes`: the bytes buffered plus those the requests in flight
 *   may bring stay below it (the requests of one pass share what is left), except that a broker
 *   always returns a response's first batch whole (KIP-74).
 * - Fetch sessions (KIP-227) per broker; follower fetching (KIP-392): `clientRack` goes in the
 *   request, and a preferred read replica named by the leader is used until metadataMaxAgeMs
 *   passes or it fails; current leader epochs go in every request (v9+).
 * - A request holding only caught-up partitions (no known data) is held back while another
 *   partition of the same broker still has buffered data to return: when that partition is
 *   drained both go together, so a long poll with nothing to return never delays a partition
 *   that has more to read.
 */
import { KafkaConnectionError, KafkaError, KafkaProtocolError, KafkaStateError, KafkaUnsupportedVersionError } from '../protocol/errors.js';
import { Fetch, type FetchRequest, type FetchResponse } from '../protocol/generated/index.js';
import type { Input } from '../protocol/api.js';
import { ZERO_UUID } from '../protocol/primitives/uuid.js';
import type { Cluster } from '../cluster/cluster.js';
import type { BrokerNode } from '../cluster/metadata.js';
import type { Logger } from '../cluster/logger.js';
import { FetchSessionHandler, type FetchPlan, type FetchTarget } from './fetch-session.js';
import { PartitionFetch, type RecordDecoding } from './partition-fetch.js';
import type { PartitionState, ResetPolicy, SubscriptionState } from './subscription-state.js';
import { KafkaOffsetOutOfRangeError } from './errors.js';
import { partitionKey } from './topic-partition.js';
import type { ConsumerRecord } from './consumer-record.js';

/** The connection lane of Fetch requests. */
export const FETCH_LANE = 'fetch';

export interface FetcherSettings {
  readonly fetchMinBytes: number;
  readonly fetchMaxBytes: number;
  readonly fetchMaxWaitMs: number;
  readonly maxPartitionFetchBytes: number;
  readonly readCommitted: boolean;
  /** Sent as the rack id (Fetch v11+); '' for none. */
  readonly clientRack: string;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly metadataMaxAgeMs: number;
  /** The reset policy for out-of-range positions; null for 'none'. */
  readonly resetPolicy: ResetPolicy | null;
}

/** Counters for observation (tests, metrics). */
export interface FetchMetrics {
  /** Fetch requests sent. */
  fetchRequests: number;
  /** Of those, incremental fetch session requests (KIP-227). */
  incrementalFetchRequests: number;
  /** Bytes of record data received. */
  fetchedBytes: number;
  /** Bytes of record data buffered now, not yet returned by poll(). */
  bufferedBytes: number;
  /** The most bytes buffered plus requested at any time. */
  peakBufferedBytes: number;
  /** Fetches that went to a preferred read replica rather than the leader. */
  followerFetches: number;
}

interface NodeState {
  readonly id: number;
  inFlight: boolean;
  backoffUntil: number;
  readonly session: FetchSessionHandler;
}

/** Partition errors after which the metadata is refreshed and the partition fetched again. */
const REFRESH_METADATA_ERRORS: ReadonlySet<number> = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  9, // REPLICA_NOT_AVAILABLE
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  78, // OFFSET_NOT_AVAILABLE
  100, // UNKNOWN_TOPIC_ID
  103, // INCONSISTENT_TOPIC_ID
]);
const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_SERVER_ERROR = -1;
const CORRUPT_MESSAGE = 2;
const UNSUPPORTED_COMPRESSION_TYPE = 76;

export class Fetcher {
  readonly metrics: FetchMetrics = { fetchRequests: 0, incrementalFetchRequests: 0, fetchedBytes: 0, bufferedBytes: 0, peakBufferedBytes: 0, followerFetches: 0 };
  /** Buffered fetches in arrival order; poll() drains from the front. */
  private completed: PartitionFetch[] = [];
  private readonly nodes = new Map<number, NodeState>();
  private reservedBytes = 0;
  private passScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAt = Infinity;
  private metadataRefreshing = false;
  private closed = false;
  private readonly lifetime = new AbortController();
  private readonly waiters = new Set<() => void>();
  /** An error that concerns the whole fetcher (e.g. no Fetch version in common), raised by poll(). */
  private fatal: KafkaError | null = null;
  private readonly releaseFetch = (fetch: PartitionFetch): void => {
    this.metrics.bufferedBytes -= fetch.bytes;
    if (fetch.state.buffered === fetch) fetch.state.buffered = null;
    this.schedule();
  };

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    private readonly settings: FetcherSettings,
    private readonly decoding: RecordDecoding,
    private readonly logger: Logger,
    /** Called when a partition needs a reset (out of range with a policy): the consumer looks its offset up. */
    private readonly onResetRequested: () => void,
  ) {}

  /** Asks for a fetch pass soon (coalesced): after a drain, seek, resume, assignment change, response. */
  schedule(): void {
    if (this.passScheduled || this.closed) return;
    this.passScheduled = true;
    queueMicrotask(() => {
      this.passScheduled = false;
      this.sendFetches();
    });
  }

  /**
   * Moves up to `max` buffered records into `out` (one array per partition, in drain order) and
   * advances the positions. Throws a pending fetch error when nothing was collected before it.
   */
  async collect(max: number, out: (state: PartitionState, records: ConsumerRecord<unknown, unknown>[]) => void): Promise<number> {
    if (this.fatal !== null) throw this.fatal;
    let remaining = max;
    let index = 0;
    try {
      while (remaining > 0 && index < this.completed.length) {
        const fetch = this.completed[index]!;
        const state = fetch.state;
        if (fetch.discarded || fetch.drained || state.buffered !== fetch) {
          // Replaced or dropped: make sure its bytes are released (discard is idempotent).
          fetch.discard();
          this.completed.splice(index, 1);
          continue;
        }
        if (!state.isReturnable) {
          index++;
          continue;
        }
        if (fetch.pendingAsyncBatch !== null) await fetch.decodeAsync();
        if (fetch.discarded || state.buffered !== fetch) continue;
        const records: ConsumerRecord<unknown, unknown>[] = [];
        let taken: number;
        try {
          taken = fetch.take(remaining, records);
        } catch (error) {
          this.afterTake(fetch, index);
          if (max - remaining > 0) break;
          throw error;
        }
        if (taken > 0) {
          out(state, records);
          remaining -= taken;
        }
        if (fetch.pendingAsyncBatch !== null) continue;
        if (!this.afterTake(fetch, index) && taken === 0) index++;
      }
    } finally {
      // Data was consumed: fetch what became fetchable.
      this.schedule();
    }
    return max - remaining;
  }

  /** Updates the position after a take; removes the fetch when drained. Returns whether it was removed. */
  private afterTake(fetch: PartitionFetch, index: number): boolean {
    const state = fetch.state;
    if (state.buffered === fetch) {
      state.position = fetch.nextOffset;
      state.positionEpoch = fetch.lastEpoch;
    }
    if (fetch.drained) {
      fetch.finish();
      this.completed.splice(index, 1);
      return true;
    }
    return false;
  }

  /**
   * Resolves when new data is buffered, `wake()` is called, `timeoutMs` passes or `signal` fires
   * (never rejects: the caller checks its signal).
   */
  waitForData(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (timeoutMs <= 0 || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every poll() waiting for data (new data, an error, a position found, an assignment change, close()). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Stops fetching: aborts requests in flight, clears timers, drops buffered data. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort(new KafkaStateError('the consumer is closed'));
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const fetch of this.completed) fetch.discard();
    this.completed = [];
    this.wake();
  }

  // ---- sending ----

  private sendFetches(): void {
    if (this.closed) return;
    const now = performance.now();
    const byNode = new Map<number, { node: BrokerNode; states: PartitionState[] }>();
    /** Brokers that still have buffered (returnable) data to drain: their caught-up fetches wait. */
    const drainingNodes = new Set<number>();
    let missingLeader = false;
    let nextRetry = Infinity;
    for (const state of this.subscriptions.partitions()) {
      if (!state.isFetchable(now)) {
        if (state.fetchBackoffUntil > now) nextRetry = Math.min(nextRetry, state.fetchBackoffUntil);
        if (state.buffered !== null && state.isReturnable && !state.buffered.drained && !state.buffered.failed) {
          const node = this.selectNode(state, now);
          if (node !== null) drainingNodes.add(node.id);
        }
        continue;
      }
      const node = this.selectNode(state, now);
      if (node === null) {
        missingLeader = true;
        continue;
      }
      let group = byNode.get(node.id);
      if (group === undefined) {
        group = { node, states: [] };
        byNode.set(node.id, group);
      }
      group.states.push(state);
    }
    if (missingLeader) this.refreshMetadata();
    const ready: { node: NodeState; broker: BrokerNode; states: PartitionState[] }[] = [];
    for (const [nodeId, group] of byNode) {
      const node = this.nodeState(nodeId);
      if (node.inFlight) continue;
      if (node.backoffUntil > now) {
        nextRetry = Math.min(nextRetry, node.backoffUntil);
        continue;
      }
      if (drainingNodes.has(nodeId) && group.states.every((state) => state.highWatermark >= 0 && state.position! >= state.highWatermark)) continue;
      ready.push({ node, broker: group.node, states: group.states });
    }
    // The bytes left under fetchMaxBytes are shared by the brokers asked now, so that one broker's
    // long poll cannot hold the whole allowance while the others wait.
    const budget = this.settings.fetchMaxBytes - this.metrics.bufferedBytes - this.reservedBytes;
    if (ready.length > 0 && budget > 0) {
      const share = Math.max(1, Math.floor(budget / ready.length));
      for (const entry of ready) void this.fetchFrom(entry.node, entry.broker, entry.states, share);
    }
    this.armRetryTimer(nextRetry, now);
  }

  private armRetryTimer(at: number, now: number): void {
    if (at === Infinity || this.closed) return;
    if (this.retryTimer !== null && this.retryAt <= at) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.retryAt = Infinity;
        this.schedule();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  private nodeState(id: number): NodeState {
    let node = this.nodes.get(id);
    if (node === undefined) {
      node = { id, inFlight: false, backoffUntil: 0, session: new FetchSessionHandler() };
      this.nodes.set(id, node);
    }
    return node;
  }

  /** The broker to fetch a partition from: its preferred read replica, else its leader; null if unknown. */
  private selectNode(state: PartitionState, now: number): BrokerNode | null {
    const metadata = this.cluster.metadata;
    const replica = state.preferredReplicaAt(now);
    if (replica !== null) {
      const node = metadata.broker(replica);
      if (node !== undefined) return node;
      state.clearPreferredReplica();
    }
    const partition = metadata.partition(state.topic, state.partition);
    if (partition === undefined || partition.leader < 0) return null;
    return metadata.broker(partition.leader) ?? null;
  }

  private refreshMetadata(): void {
    if (this.metadataRefreshing || this.closed) return;
    this.metadataRefreshing = true;
    const topics = [...new Set([...this.subscriptions.partitions()].map((state) => state.topic))];
    this.cluster
      .refreshMetadata({ topics, forced: true, signal: this.lifetime.signal })
      .catch((error: unknown) => {
        if (!this.closed) this.logger.debug('metadata refresh for fetching failed', { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        this.metadataRefreshing = false;
        this.schedule();
      });
  }

  private async fetchFrom(node: NodeState, broker: BrokerNode, states: PartitionState[], budget: number): Promise<void> {
    node.inFlight = true;
    const sentStates = new Map<string, PartitionState>();
    for (const state of states) {
      state.fetchInFlight = true;
      sentStates.set(state.key, state);
    }
    const requestMaxBytes = Math.min(this.settings.fetchMaxBytes, budget);
    let reservation = Math.min(requestMaxBytes, states.length * this.settings.maxPartitionFetchBytes);
    this.reservedBytes += reservation;
    this.notePeak();
    let plan: FetchPlan | null = null;
    try {
      const channel = await this.cluster.channelTo(broker, { lane: FETCH_LANE, signal: this.lifetime.signal });
      let version = channel.pick(Fetch);
      const metadata = this.cluster.metadata;
      // Fetch v13+ names topics by id: use it only when every topic's id is known.
      if (version >= 13 && states.some((state) => (metadata.topic(state.topic)?.topicId ?? null) === null)) version = 12;
      const topicIds = version >= 13;
      const sessions = version >= 7;
      const wanted = new Map<string, FetchTarget>();
      for (const state of states) {
        const partition = metadata.partition(state.topic, state.partition);
        wanted.set(state.key, {
          key: state.key,
          topic: state.topic,
          topicId: topicIds ? metadata.topic(state.topic)!.topicId! : ZERO_UUID,
          partition: state.partition,
          fetchOffset: state.position!,
          maxBytes: this.settings.maxPartitionFetchBytes,
          currentLeaderEpoch: partition?.leaderEpoch ?? -1,
        });
      }
      plan = node.session.plan(wanted, { sessions, topicIds });
      const request = this.buildRequest(plan, version, requestMaxBytes);
      this.metrics.fetchRequests++;
      if (!plan.full) this.metrics.incrementalFetchRequests++;
      if (broker.id !== this.cluster.metadata.partition(states[0]!.topic, states[0]!.partition)?.leader) this.metrics.followerFetches++;
      const response = await channel.send(Fetch, request, {
        version,
        signal: this.lifetime.signal,
        timeoutMs: this.settings.requestTimeoutMs + this.settings.fetchMaxWaitMs,
      });
      if (this.closed) return;
      // The reservation turns into buffered bytes now.
      this.reservedBytes -= reservation;
      reservation = 0;
      this.handleResponse(node, broker, plan, response, version, sentStates, { sessions, topicIds });
    } catch (error) {
      if (this.closed) return;
      node.session.onFailure();
      if (error instanceof KafkaUnsupportedVersionError) {
        this.fatal = error;
        this.wake();
        return;
      }
      node.backoffUntil = performance.now() + this.settings.retryBackoffMs;
      if (error instanceof KafkaConnectionError || (error instanceof KafkaError && error.retriable)) {
        this.logger.debug('fetch failed; retrying', { broker: broker.id, error: error.message });
        this.cluster.requestMetadataRefresh(`fetch from broker ${broker.id} failed`);
        // A preferred replica that cannot be reached is abandoned for the leader.
        for (const state of states) if (state.preferredReplica === broker.id) state.clearPreferredReplica();
      } else {
        this.logger.warn('fetch failed', { broker: broker.id, error: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      node.inFlight = false;
      for (const state of states) state.fetchInFlight = false;
      this.reservedBytes -= reservation;
      this.schedule();
    }
  }

  private buildRequest(plan: FetchPlan, version: number, maxBytes: number): Input<FetchRequest> {
    const topics: { topic: string; topicId: string; partitions: { partition: number; currentLeaderEpoch: number; fetchOffset: bigint; partitionMaxBytes: number }[] }[] = [];
    let current: (typeof topics)[number] | undefined;
    for (const target of plan.toSend) {
      if (current === undefined || current.topic !== target.topic) {
        current = topics.find((topic) => topic.topic === target.topic);
        if (current === undefined) {
          current = { topic: target.topic, topicId: target.topicId, partitions: [] };
          topics.push(current);
        }
      }
      current.partitions.push({
        partition: target.partition,
        currentLeaderEpoch: version >= 9 ? target.currentLeaderEpoch : -1,
        fetchOffset: BigInt(target.fetchOffset),
        partitionMaxBytes: target.maxBytes,
      });
    }
    const forgotten = new Map<string, { topic: string; topicId: string; partitions: number[] }>();
    for (const target of plan.toForget) {
      let entry = forgotten.get(target.topic);
      if (entry === undefined) {
        entry = { topic: target.topic, topicId: target.topicId, partitions: [] };
        forgotten.set(target.topic, entry);
      }
      entry.partitions.push(target.partition);
    }
    return {
      replicaId: -1,
      maxWaitMs: this.settings.fetchMaxWaitMs,
      minBytes: this.settings.fetchMinBytes,
      maxBytes,
      isolationLevel: this.settings.readCommitted ? 1 : 0,
      sessionId: version >= 7 ? plan.sessionId : 0,
      sessionEpoch: version >= 7 ? plan.epoch : -1,
      topics,
      forgottenTopicsData: version >= 7 ? [...forgotten.values()] : [],
      rackId: version >= 11 ? this.settings.clientRack : '',
    };
  }

  // ---- receiving ----

  private handleResponse(
    node: NodeState,
    broker: BrokerNode,
    plan: FetchPlan,
    response: FetchResponse,
    version: number,
    sentStates: ReadonlyMap<string, PartitionState>,
    options: { sessions: boolean; topicIds: boolean },
  ): void {
    if (!node.session.onResponse(plan, response, options)) {
      const error = new KafkaProtocolError(response.errorCode, { brokerId: broker.id, apiName: 'Fetch' });
      this.logger.debug('fetch request failed', { broker: broker.id, error: error.message });
      // Session errors are answered with a full fetch at once; others back off first.
      if (!error.errorName.startsWith('FETCH_SESSION') && error.errorName !== 'INVALID_FETCH_SESSION_EPOCH') {
        node.backoffUntil = performance.now() + this.settings.retryBackoffMs;
        if (!error.retriable) this.logger.warn('fetch request failed', { broker: broker.id, error: error.message });
      }
      return;
    }
    const namesById = options.topicIds ? new Map([...plan.wanted.values()].map((target) => [target.topicId, target.topic])) : null;
    const now = performance.now();
    let gotData = false;
    for (const topic of response.responses) {
      const name = namesById === null ? topic.topic : namesById.get(topic.topicId);
      if (name === undefined) continue;
      for (const data of topic.partitions) {
        const key = partitionKey(name, data.partitionIndex);
        const target = plan.wanted.get(key);
        const state = this.subscriptions.getByKey(key);
        // Stale: no longer assigned, reassigned, sought elsewhere or being revoked meanwhile.
        if (target === undefined || state === undefined || state !== sentStates.get(key) || state.position !== target.fetchOffset || !state.hasValidPosition || state.revoking) continue;
        if (this.handlePartition(state, broker, target, data, version, now)) gotData = true;
      }
    }
    if (gotData) this.wake();
  }

  /** Handles one partition's answer; returns whether data (or an error for poll) was buffered. */
  private handlePartition(
    state: PartitionState,
    broker: BrokerNode,
    target: FetchTarget,
    data: FetchResponse['responses'][number]['partitions'][number],
    version: number,
    now: number,
  ): boolean {
    const code = data.errorCode;
    if (code === 0) {
      if (data.highWatermark >= 0n) state.highWatermark = Number(data.highWatermark);
      if (version >= 4 && data.lastStableOffset >= 0n) state.lastStableOffset = Number(data.lastStableOffset);
      if (version >= 5 && data.logStartOffset >= 0n) state.logStartOffset = Number(data.logStartOffset);
      if (version >= 11 && data.preferredReadReplica >= 0 && data.preferredReadReplica !== broker.id) {
        state.preferredReplica = data.preferredReadReplica;
        state.preferredReplicaUntil = now + this.settings.metadataMaxAgeMs;
        this.schedule();
      }
      const records = data.records;
      if (records === null || records.length === 0) return false;
      const fetch = new PartitionFetch(state, target.fetchOffset, records, data.abortedTransactions, this.decoding, version, target.maxBytes, this.releaseFetch);
      this.buffer(state, fetch);
      this.metrics.fetchedBytes += records.length;
      return true;
    }
    const fromFollower = state.clearPreferredReplica();
    if (REFRESH_METADATA_ERRORS.has(code)) {
      this.logger.debug('fetch partition error; refreshing metadata', { topic: state.topic, partition: state.partition, error: new KafkaProtocolError(code).errorName });
      state.fetchBackoffUntil = now + this.settings.retryBackoffMs;
      this.cluster.requestMetadataRefresh(`Fetch error ${code} for ${state.topic}-${state.partition}`);
      this.refreshMetadata();
      return false;
    }
    if (code === OFFSET_OUT_OF_RANGE) {
      if (fromFollower) {
        // A follower may lag behind the leader: ask the leader (after a backoff, should the leader
        // send the consumer straight back) before resetting anything.
        this.logger.debug('offset out of range on a follower; fetching from the leader', { topic: state.topic, partition: state.partition, broker: broker.id });
        state.fetchBackoffUntil = now + this.settings.retryBackoffMs;
        return false;
      }
      if (this.settings.resetPolicy !== null) {
        this.logger.info('fetch position out of range; resetting', { topic: state.topic, partition: state.partition, offset: target.fetchOffset, to: this.settings.resetPolicy });
        state.requestReset(this.settings.resetPolicy);
        this.onResetRequested();
        return false;
      }
      this.buffer(state, PartitionFetch.failed(state, target.fetchOffset, new KafkaOffsetOutOfRangeError([{ topic: state.topic, partition: state.partition, offset: target.fetchOffset }]), this.decoding, this.releaseFetch));
      return true;
    }
    if (code === UNKNOWN_SERVER_ERROR || code === CORRUPT_MESSAGE) {
      // As Java: the broker failed reading its log; try again after a backoff.
      this.logger.warn('fetch partition error; retrying', { topic: state.topic, partition: state.partition, error: new KafkaProtocolError(code).errorName });
      state.fetchBackoffUntil = now + this.settings.retryBackoffMs;
      return false;
    }
    const error = new KafkaProtocolError(code, { topic: state.topic, partition: state.partition, brokerId: broker.id, apiName: 'Fetch' });
    if (error.retriable && code !== UNSUPPORTED_COMPRESSION_TYPE) {
      state.fetchBackoffUntil = now + this.settings.retryBackoffMs;
      return false;
    }
    this.buffer(state, PartitionFetch.failed(state, target.fetchOffset, error, this.decoding, this.releaseFetch));
    return true;
  }

  private buffer(state: PartitionState, fetch: PartitionFetch): void {
    state.buffered = fetch;
    this.completed.push(fetch);
    this.metrics.bufferedBytes += fetch.bytes;
    this.notePeak();
  }

  private notePeak(): void {
    const total = this.metrics.bufferedBytes + this.reservedBytes;
    if (total > this.metrics.peakBufferedBytes) this.metrics.peakBufferedBytes = total;
  }
}
