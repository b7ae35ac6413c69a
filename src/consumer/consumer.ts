/**
 * `KafkaConsumer`: the high-level consumer, with the Java client's semantics.
 *
 *     const consumer = new KafkaConsumer({ bootstrapServers: 'localhost:9092', groupId: 'g', valueDeserializer: 'string' });
 *     consumer.subscribe(['orders']);
 *     for await (const record of consumer) handle(record);      // or: await consumer.poll({ timeoutMs: 1000 })
 *     await consumer.close();
 *
 * Parts: `SubscriptionState` (assignment and positions), `Fetcher` (background prefetching),
 * `PositionResolver` (committed offsets and resets), `CommitManager` (ordered, never-backwards
 * commits), `TopicWatch` (pattern subscriptions), and the group membership of ./group (joined
 * through the `MembershipHost` this class implements in group-host.ts).
 */
import { KafkaAbortError, KafkaError, KafkaInvalidArgumentError, KafkaStateError } from '../protocol/errors.js';
import { Cluster, type TopicPartition } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import { Deadline, raceSignal } from '../cluster/timing.js';
import type { OffsetToCommit, PartitionOffset } from './commit-types.js';
import { CommitManager, type OffsetStore } from './commits.js';
import { ConsumerRecord, ConsumerRecords } from './consumer-record.js';
import type { Deserialized, DeserializerOption } from './deserializers.js';
import { resolveDeserializer } from './deserializers.js';
import { Fetcher, type FetchMetrics } from './fetcher.js';
import { ConsumerGroup, type RebalanceListener } from './group-host.js';
import { listOffsets, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './offset-lookup.js';
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js';
import { describeTopics, type PartitionInfo } from '../cluster/partition-info.js';
import { PositionResolver } from './positions.js';
import { SubscriptionState, type PartitionState } from './subscription-state.js';
import { checkOffset, checkTopicPartition, checkTopicPartitions, keyOf } from './topic-partition.js';
import { TopicWatch, statelessPattern } from './topic-watch.js';
import { RecordIterator } from './record-iterator.js';

export interface PollOptions {
  /** How long to wait for records; default: until there are some (or `signal` fires). */
  timeoutMs?: number;
  /** Records to return at most; default `maxPollRecords`. */
  maxRecords?: number;
  /** Stops waiting: poll() then resolves with what it has (nothing) instead of rejecting. */
  signal?: AbortSignal;
}

export interface ConsumerCallOptions {
  signal?: AbortSignal;
  /** Default `defaultApiTimeoutMs`. */
  timeoutMs?: number;
}

/** A committed offset read back by `committed()`; `offset` is null when the group has none. */
export interface CommittedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number | null;
  readonly leaderEpoch: number | null;
  readonly metadata: string | null;
}

/** An offset found by `beginningOffsets()` / `endOffsets()`. */
export interface PartitionOffsetResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** An answer of `offsetsForTimes()`: the first offset whose timestamp is at or after the one asked, or nulls when there is none. */
export interface OffsetForTime {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number | null;
  readonly timestamp: number | null;
  readonly leaderEpoch: number | null;
}

export interface ConsumerMetrics extends Readonly<FetchMetrics> {
  /** Records returned by poll() so far. */
  readonly recordsConsumed: number;
}

/** The group identity, for a transactional producer's sendOffsetsToTransaction. */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

class KafkaConsumerImpl<K = Buffer, V = Buffer> implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly options: ResolvedConsumerOptions;
  private readonly cluster: Cluster;
  private readonly logger: Logger;
  private readonly subscriptions = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly positions: PositionResolver;
  private readonly commits: CommitManager;
  private readonly watch: TopicWatch;
  private readonly group: ConsumerGroup | null;
  private polling = false;
  private closing: Promise<void> | null = null;
  private recordsConsumed = 0;

  constructor(options: ConsumerOptions<K, V>) {
    const resolved = resolveConsumerOptions(options);
    this.options = resolved;
    this.cluster = new Cluster(resolved);
    this.logger = this.cluster.logger;
    const resetPolicy = resolved.autoOffsetReset === 'none' ? null : resolved.autoOffsetReset;
    const readCommitted = resolved.isolationLevel === 'read_committed';
    this.fetcher = new Fetcher(
      this.cluster,
      this.subscriptions,
      {
        fetchMinBytes: resolved.fetchMinBytes,
        fetchMaxBytes: resolved.fetchMaxBytes,
        fetchMaxWaitMs: resolved.fetchMaxWaitMs,
        maxPartitionFetchBytes: resolved.maxPartitionFetchBytes,
        readCommitted,
        clientRack: resolved.clientRack ?? '',
        requestTimeoutMs: resolved.requestTimeoutMs,
        retryBackoffMs: resolved.retryBackoffMs,
        metadataMaxAgeMs: resolved.metadataMaxAgeMs,
        resetPolicy,
      },
      {
        keyDeserializer: resolveDeserializer(resolved.keyDeserializer),
        valueDeserializer: resolveDeserializer(resolved.valueDeserializer),
        checkCrcs: resolved.checkCrcs,
        readCommitted,
      },
      this.logger,
      () => void this.positions.update(),
    );
    this.group =
      resolved.groupId === undefined
        ? null
        : new ConsumerGroup(this.cluster, resolved, this.subscriptions, {
            commitBeforeRevoke: (partitions) => this.commitBeforeRevoke(partitions),
            assignmentChanged: () => {
              void this.positions.update();
              this.fetcher.schedule();
              this.fetcher.wake();
            },
          });
    this.positions = new PositionResolver(this.cluster, this.subscriptions, () => this.group?.store() ?? null, { resetPolicy, readCommitted, defaultApiTimeoutMs: resolved.defaultApiTimeoutMs }, this.logger, () => {
      this.fetcher.schedule();
      this.fetcher.wake();
    });
    this.commits = new CommitManager(
      this.subscriptions,
      () => this.requireStore(),
      { enableAutoCommit: resolved.enableAutoCommit, autoCommitIntervalMs: resolved.autoCommitIntervalMs, defaultApiTimeoutMs: resolved.defaultApiTimeoutMs, listener: resolved.commitListener },
      this.logger,
    );
    this.watch = new TopicWatch(
      this.cluster,
      this.subscriptions,
      { metadataMaxAgeMs: resolved.metadataMaxAgeMs, excludeInternalTopics: resolved.excludeInternalTopics, allowAutoCreateTopics: resolved.allowAutoCreateTopics },
      this.logger,
      (reason) => this.group?.requestRejoin(reason),
    );
  }

  // ---- subscription and assignment ----

  /**
   * Joins the group (on the next poll) to consume `topics` (names, or a RegExp matched against
   * every topic's name). Replaces a previous subscription. Needs a `groupId`.
   */
  subscribe(topics: string | readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.assertOpen();
    if (this.group === null) throw new KafkaStateError('subscribe() needs a groupId (or use assign() to read partitions without a group)');
    checkListener(listener);
    if (topics instanceof RegExp) {
      this.subscriptions.subscribePattern(statelessPattern(topics));
    } else {
      const list = typeof topics === 'string' ? [topics] : topics;
      if (!Array.isArray(list)) throw new KafkaInvalidArgumentError('subscribe() takes a topic name, an array of topic names or a RegExp');
      for (const topic of list) if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError(`topic names must be non-empty strings, got ${JSON.stringify(topic)}`);
      if (list.length === 0) {
        this.unsubscribe().catch((error: unknown) => this.logger.warn('unsubscribing failed', { error: error instanceof Error ? error.message : String(error) }));
        return;
      }
      this.subscriptions.subscribeTopics(list);
      this.cluster.addTopics(list);
    }
    this.group.setListener(listener);
    this.watch.reset();
    this.group.requestRejoin('the subscription changed');
    this.fetcher.wake();
  }

  /** Reads exactly these partitions, without group membership (replaces a previous assign()). */
  assign(partitions: readonly TopicPartition[]): void {
    this.assertOpen();
    const wanted = checkTopicPartitions(partitions);
    const { added } = this.subscriptions.assignFromUser(wanted);
    this.cluster.addTopics(wanted.map((tp) => tp.topic));
    const withGroup = this.group !== null;
    for (const state of added) state.awaitingCommitted = withGroup;
    void this.positions.update();
    this.fetcher.schedule();
  }

  /** Leaves the group (revoking the partitions first) or drops the assignment. */
  async unsubscribe(): Promise<void> {
    this.assertOpen();
    if (this.subscriptions.type === 'topics' || this.subscriptions.type === 'pattern') {
      await this.group?.leave('the consumer unsubscribed');
    }
    this.subscriptions.unsubscribe();
    this.fetcher.wake();
  }

  /** The partitions assigned now. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assignment();
  }

  /** The topics subscribed to (for a RegExp: the topics it matches now). */
  subscription(): string[] {
    return [...this.subscriptions.subscribedTopics];
  }

  // ---- positions ----

  /**
   * The next record returned for the partition will be the one at `offset` (seeking backwards
   * lets the lower offset be committed again: see DESIGN.md, commits never go backwards).
   */
  seek(partition: TopicPartition, offset: number | { offset: number; leaderEpoch?: number | null }): void {
    this.assertOpen();
    const tp = checkTopicPartition(partition);
    const target = typeof offset === 'number' ? { offset, leaderEpoch: null } : offset;
    checkOffset(target.offset, 'the offset to seek to');
    const state = this.subscriptions.assignedState(tp, 'seek()');
    this.noteSeek(state);
    state.seek(target.offset, target.leaderEpoch ?? null);
    this.fetcher.schedule();
  }

  /** Every given partition (default: all assigned) starts again from its first offset (evaluated lazily). */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    this.seekToEdge(partitions, 'earliest', 'seekToBeginning()');
  }

  /** Every given partition (default: all assigned) continues from its end (evaluated lazily). */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    this.seekToEdge(partitions, 'latest', 'seekToEnd()');
  }

  /** The offset of the next record poll() will return for the partition (looked up if unknown). */
  async position(partition: TopicPartition, options: ConsumerCallOptions = {}): Promise<number> {
    this.assertOpen();
    const tp = checkTopicPartition(partition);
    const timeoutMs = options.timeoutMs ?? this.options.defaultApiTimeoutMs;
    const deadline = new Deadline(timeoutMs, options.signal, () => `position() of ${tp.topic}-${tp.partition} did not complete within ${timeoutMs} ms`);
    try {
      for (;;) {
        const state = this.subscriptions.assignedState(tp, 'position()');
        if (state.hasValidPosition && state.position !== null) return state.position;
        this.positions.throwPendingError();
        const lookups = this.positions.update();
        // Nothing to look up right now (e.g. the partition is being revoked): wait for a change.
        await raceSignal(this.positions.busy ? lookups : this.fetcher.waitForData(this.options.retryBackoffMs), deadline.signal);
      }
    } catch (error) {
      if (error instanceof KafkaAbortError && deadline.timedOut) throw deadline.signal.reason as KafkaError;
      throw error;
    } finally {
      deadline.dispose();
    }
  }

  /** Stops fetching (and returning) the partitions until resume(); their buffered records are kept. */
  pause(partitions: readonly TopicPartition[]): void {
    this.assertOpen();
    for (const tp of checkTopicPartitions(partitions)) this.subscriptions.assignedState(tp, 'pause()').paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.assertOpen();
    for (const tp of checkTopicPartitions(partitions)) this.subscriptions.assignedState(tp, 'resume()').paused = false;
    this.fetcher.schedule();
    this.fetcher.wake();
  }

  paused(): TopicPartition[] {
    return [...this.subscriptions.partitions()].filter((state) => state.paused).map((state) => ({ topic: state.topic, partition: state.partition }));
  }

  /** How far the partition's position is behind its high watermark (last stable offset under read_committed), or null if unknown. */
  currentLag(partition: TopicPartition): number | null {
    const state = this.subscriptions.get(checkTopicPartition(partition));
    if (state === undefined || state.position === null) return null;
    const end = this.options.isolationLevel === 'read_committed' ? state.lastStableOffset : state.highWatermark;
    return end < 0 ? null : Math.max(0, end - state.position);
  }

  // ---- offsets of the cluster ----

  beginningOffsets(partitions: readonly TopicPartition[], options: ConsumerCallOptions = {}): Promise<PartitionOffsetResult[]> {
    return this.edgeOffsets(partitions, EARLIEST_TIMESTAMP, options);
  }

  /** The offsets after the last records (the last stable offsets under read_committed). */
  endOffsets(partitions: readonly TopicPartition[], options: ConsumerCallOptions = {}): Promise<PartitionOffsetResult[]> {
    return this.edgeOffsets(partitions, LATEST_TIMESTAMP, options);
  }

  /** For each partition, the first offset whose record timestamp is at or after `timestamp` (ms since the epoch). */
  async offsetsForTimes(queries: readonly { topic: string; partition: number; timestamp: number }[], options: ConsumerCallOptions = {}): Promise<OffsetForTime[]> {
    this.assertOpen();
    if (!Array.isArray(queries)) throw new KafkaInvalidArgumentError('offsetsForTimes() takes an array of { topic, partition, timestamp }');
    const checked = queries.map((query) => {
      const tp = checkTopicPartition(query);
      if (typeof query.timestamp !== 'number' || !Number.isSafeInteger(query.timestamp) || query.timestamp < 0) {
        throw new KafkaInvalidArgumentError(`the timestamp for ${tp.topic}-${tp.partition} must be a non-negative safe integer (ms since the epoch), got ${String(query.timestamp)}`);
      }
      return { tp, timestamp: query.timestamp };
    });
    const found = await listOffsets(this.cluster, checked, this.lookupOptions(options));
    return checked.map(({ tp }) => {
      const listed = found.get(keyOf(tp)) ?? null;
      return { topic: tp.topic, partition: tp.partition, offset: listed?.offset ?? null, timestamp: listed === null ? null : listed.timestamp, leaderEpoch: listed?.leaderEpoch ?? null };
    });
  }

  /** Every topic and its partitions (internal topics included unless `excludeInternalTopics`). */
  async listTopics(options: ConsumerCallOptions = {}): Promise<Map<string, PartitionInfo[]>> {
    this.assertOpen();
    const response = await this.withTimeout(options, 'listTopics()', () => this.cluster.fetchMetadata('all'));
    return describeTopics(response.topics.filter((topic) => !(this.options.excludeInternalTopics && topic.isInternal)));
  }

  /** The partitions of a topic (may create it when `allowAutoCreateTopics` and the broker allow). */
  async partitionsFor(topic: string, options: ConsumerCallOptions = {}): Promise<PartitionInfo[]> {
    this.assertOpen();
    if (typeof topic !== 'string' || topic.length === 0) throw new KafkaInvalidArgumentError('partitionsFor() takes a non-empty topic name');
    const response = await this.withTimeout(options, `partitionsFor(${topic})`, () => this.cluster.fetchMetadata([topic], { allowAutoTopicCreation: this.options.allowAutoCreateTopics }));
    return describeTopics(response.topics).get(topic) ?? [];
  }

  // ---- reading ----

  /**
   * Returns the next records: at once when some are buffered, else when some arrive, when
   * `timeoutMs` passes (empty) or when `signal` fires (empty). Also takes part in the group
   * (joins, completes rebalances), commits automatically when due and raises errors met while
   * fetching (a deserializer failure, an out-of-range position with autoOffsetReset 'none').
   */
  async poll(options: PollOptions = {}): Promise<ConsumerRecords<K, V>> {
    return this.pollInternal(options, false);
  }

  /**
   * Per record: `for await (const record of consumer)`. Ends when the consumer is closed. Commits
   * (automatic, before a revocation, on close) take the offset after the last record the loop body
   * has finished with (a record counts as finished when the loop asks for the next one; after a
   * `break` the record being processed is delivered again), so that a loop never commits records
   * it has not processed.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<K, V>> {
    return new RecordIterator<K, V>({
      poll: () => this.pollInternal({}, true),
      isClosed: () => this.isClosed,
      subscriptions: this.subscriptions,
    });
  }

  /** Per poll: each non-empty result, until the consumer is closed or `signal` fires. */
  async *batches(options: Omit<PollOptions, 'timeoutMs'> = {}): AsyncGenerator<ConsumerRecords<K, V>, void, undefined> {
    while (!this.isClosed && !options.signal?.aborted) {
      const records = await this.pollInternal(options, false);
      if (!records.isEmpty()) yield records;
    }
  }

  private async pollInternal(options: PollOptions, iterating: boolean): Promise<ConsumerRecords<K, V>> {
    this.assertOpen();
    if (this.subscriptions.type === 'none') throw new KafkaStateError('the consumer is not subscribed to any topic and has no assigned partitions');
    if (this.polling) throw new KafkaStateError('poll() is already running: one poll at a time');
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) throw new KafkaInvalidArgumentError(`timeoutMs must be a non-negative number, got ${String(timeoutMs)}`);
    const maxRecords = options.maxRecords ?? this.options.maxPollRecords;
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new KafkaInvalidArgumentError(`maxRecords must be a positive integer, got ${String(maxRecords)}`);
    const signal = options.signal;
    const deadline = performance.now() + timeoutMs;
    this.polling = true;
    try {
      for (;;) {
        if (this.isClosed || signal?.aborted) return ConsumerRecords.empty();
        if (this.group !== null && this.subscriptions.type !== 'assigned') {
          this.group.notePoll();
          await this.watch.maybeCheck();
          const stable = await this.group.ensureActive(signal, deadline);
          if (!stable) return ConsumerRecords.empty();
          this.group.throwCallbackError();
        }
        this.commits.maybeAutoCommit();
        this.positions.throwPendingError();
        void this.positions.update();
        const records = new ConsumerRecords<K, V>();
        const count = await this.fetcher.collect(maxRecords, (state, batch) => {
          records.add(state, batch as ConsumerRecord<K, V>[]);
          // Until the loop finishes with them, the records returned are not consumed yet.
          if (iterating && state.consumedOffset === null) {
            state.consumedOffset = batch[0]!.offset;
            state.consumedEpoch = state.positionEpoch;
          }
        });
        if (count > 0) {
          this.recordsConsumed += count;
          return records;
        }
        const remaining = deadline - performance.now();
        if (remaining <= 0) return records;
        const wait = this.group !== null && this.subscriptions.type !== 'assigned' ? this.group.maxWaitMs(remaining) : remaining;
        await this.fetcher.waitForData(Math.min(wait, 2 ** 31 - 1), signal);
      }
    } catch (error) {
      // close() while polling ends the poll quietly (the group member refuses to go on).
      if (this.isClosed) return ConsumerRecords.empty();
      throw error;
    } finally {
      this.polling = false;
    }
  }

  // ---- commits ----

  /**
   * Commits offsets (default: the consumed offsets of every assigned partition) and resolves with
   * what was committed. Offsets below what this consumer already committed are left out (see
   * DESIGN.md). Rejects with a typed error, e.g. `KafkaCommitFailedError` after a rebalance.
   */
  async commit(offsets?: readonly OffsetToCommit[], options: ConsumerCallOptions = {}): Promise<PartitionOffset[]> {
    this.assertOpen();
    this.requireStore();
    const entries = offsets === undefined ? this.commits.prepareConsumed() : this.commits.prepareExplicit(offsets);
    return this.commits.commit(entries, options);
  }

  /**
   * Commits without waiting. Never rejects or throws for commit failures: the outcome goes to
   * the `commitListener` option (onCommitSucceeded / onCommitFailed), else failures are logged.
   */
  commitAsync(offsets?: readonly OffsetToCommit[]): void {
    this.assertOpen();
    this.requireStore();
    if (offsets === undefined) void this.commits.commitConsumedAsync();
    else void this.commits.commitAsync(this.commits.prepareExplicit(offsets));
  }

  /** The committed offsets of the group for the partitions (offset null where there is none). */
  async committed(partitions: readonly TopicPartition[], options: ConsumerCallOptions = {}): Promise<CommittedPartition[]> {
    this.assertOpen();
    const store = this.requireStore();
    const wanted = checkTopicPartitions(partitions);
    const found = await this.withTimeout(options, 'committed()', (signal) => store.fetch(wanted, signal));
    return wanted.map((tp) => {
      const committed = found.get(keyOf(tp)) ?? null;
      return { topic: tp.topic, partition: tp.partition, offset: committed?.offset ?? null, leaderEpoch: committed?.leaderEpoch ?? null, metadata: committed?.metadata ?? null };
    });
  }

  /** The group identity (generation and member id), for transactional producers. */
  groupMetadata(): ConsumerGroupMetadata {
    if (this.group === null) throw new KafkaStateError('groupMetadata() needs a groupId');
    return this.group.metadata();
  }

  metrics(): ConsumerMetrics {
    return { ...this.fetcher.metrics, recordsConsumed: this.recordsConsumed };
  }

  // ---- closing ----

  /**
   * Commits the consumed offsets (with auto-commit), leaves the group (dynamic members), and
   * releases every connection and timer. Bounded by `timeoutMs` (default 30000). Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.runClose(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.closing;
  }

  private async runClose(timeoutMs: number): Promise<void> {
    const deadline = new Deadline(timeoutMs, undefined, () => `close() did not complete within ${timeoutMs} ms`);
    this.fetcher.wake();
    try {
      if (this.options.enableAutoCommit && this.group !== null && this.subscriptions.size > 0) {
        try {
          await this.commits.commit(this.commits.prepareConsumed(undefined, true), { signal: deadline.signal });
        } catch (error) {
          this.logger.warn('committing offsets on close failed', { error: error instanceof Error ? error.message : String(error) });
        }
      }
      if (this.group !== null) {
        try {
          await raceSignal(this.group.close(), deadline.signal);
        } catch (error) {
          this.logger.warn('leaving the group on close failed', { error: error instanceof Error ? error.message : String(error) });
        }
      }
    } finally {
      deadline.dispose();
      this.fetcher.close();
      this.positions.close();
      await this.cluster.close();
    }
  }

  private get isClosed(): boolean {
    return this.closing !== null;
  }

  // ---- helpers ----

  private assertOpen(): void {
    if (this.closing !== null) throw new KafkaStateError('the consumer is closed');
  }

  private requireStore(): OffsetStore {
    const store = this.group?.store() ?? null;
    if (store === null) throw new KafkaStateError('committing and reading committed offsets need a groupId');
    return store;
  }

  private noteSeek(state: PartitionState): void {
    state.seekVersion++;
    state.committedFloor = -1;
  }

  private seekToEdge(partitions: readonly TopicPartition[] | undefined, policy: 'earliest' | 'latest', what: string): void {
    this.assertOpen();
    const states = partitions === undefined ? [...this.subscriptions.partitions()] : checkTopicPartitions(partitions).map((tp) => this.subscriptions.assignedState(tp, what));
    for (const state of states) {
      this.noteSeek(state);
      state.requestReset(policy);
    }
    void this.positions.update();
  }

  private async edgeOffsets(partitions: readonly TopicPartition[], timestamp: number, options: ConsumerCallOptions): Promise<PartitionOffsetResult[]> {
    this.assertOpen();
    const wanted = checkTopicPartitions(partitions);
    const found = await listOffsets(this.cluster, wanted.map((tp) => ({ tp, timestamp })), this.lookupOptions(options));
    return wanted.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: found.get(keyOf(tp))?.offset ?? -1 }));
  }

  private lookupOptions(options: ConsumerCallOptions): { readCommitted: boolean; timeoutMs: number; signal?: AbortSignal } {
    return {
      readCommitted: this.options.isolationLevel === 'read_committed',
      timeoutMs: options.timeoutMs ?? this.options.defaultApiTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  private async withTimeout<T>(options: ConsumerCallOptions, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.defaultApiTimeoutMs;
    const deadline = new Deadline(timeoutMs, options.signal, () => `${what} did not complete within ${timeoutMs} ms`);
    try {
      return await raceSignal(call(deadline.signal), deadline.signal);
    } finally {
      deadline.dispose();
    }
  }

  /** Before a revocation (group host): commit what was consumed when auto-commit is on. */
  private async commitBeforeRevoke(partitions: readonly TopicPartition[]): Promise<void> {
    if (!this.options.enableAutoCommit) return;
    const entries = this.commits.prepareConsumed(partitions, true);
    if (entries.length === 0) return;
    try {
      await this.commits.commit(entries);
    } catch (error) {
      this.logger.warn('committing offsets before a revocation failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function checkListener(listener: unknown): void {
  if (typeof listener !== 'object' || listener === null) throw new KafkaInvalidArgumentError('the rebalance listener must be an object with optional onPartitionsRevoked/Assigned/Lost methods');
  for (const method of ['onPartitionsRevoked', 'onPartitionsAssigned', 'onPartitionsLost']) {
    const value = (listener as Record<string, unknown>)[method];
    if (value !== undefined && typeof value !== 'function') throw new KafkaInvalidArgumentError(`the rebalance listener's ${method} must be a function`);
  }
}

/** The value type a consumer's options produce (inferred from the deserializer options). */
type KeyOf<O> = O extends { keyDeserializer: infer D } ? Deserialized<D> : Buffer;
type ValueOf<O> = O extends { valueDeserializer: infer D } ? Deserialized<D> : Buffer;

export interface KafkaConsumerConstructor {
  /** Key and value types inferred from the deserializer options ('string' -> string, a function -> its result). */
  new <const O extends ConsumerOptions<unknown, unknown>>(options: O): KafkaConsumerImpl<KeyOf<O>, ValueOf<O>>;
  /** Key and value types given explicitly: `new KafkaConsumer<string, Order>({ ... })`. */
  new <K = Buffer, V = Buffer>(options: ConsumerOptions<K, V>): KafkaConsumerImpl<K, V>;
  readonly prototype: KafkaConsumerImpl<unknown, unknown>;
}

/** The consumer (see the module comment). */
export const KafkaConsumer = KafkaConsumerImpl as KafkaConsumerConstructor;
export type KafkaConsumer<K = Buffer, V = Buffer> = KafkaConsumerImpl<K, V>;
export type { DeserializerOption };
