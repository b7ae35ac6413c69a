/**
 * Offset commits of the consumer: what to commit, in which order, and what becomes of failures.
 *
 * - **One at a time, in call order.** Commits (explicit, asynchronous, automatic, before a
 *   revocation, on close) go out one after the other, so a commit that is retried can never land
 *   after a later one.
 * - **Never backwards.** Per partition the consumer remembers the highest offset it committed
 *   since the partition was assigned or last sought. An entry below it is left out of the commit
 *   (the other partitions go ahead); an entry prepared before a seek of its partition is left out
 *   too, so that a commit made before `seek()` cannot overwrite the position sought to. After a
 *   backward seek the lower position is committed normally.
 * - **Consumed offsets.** Without explicit offsets a commit takes each assigned partition's
 *   consumed offset: the position after the records returned by poll(), or, while a
 *   `for await` loop is in the middle of a poll's records, the offset after the last record
 *   the loop has finished with. Automatic commits skip partitions whose offset was already
 *   committed.
 * - **Errors of asynchronous commits** (commitAsync() and automatic commits) go to the
 *   `commitListener` option's onCommitFailed, or are logged as warnings without one; they never
 *   become unhandled rejections.
 */
import { KafkaError, KafkaInvalidArgumentError } from '../protocol/errors.js';
import type { Logger } from '../cluster/logger.js';
import { Deadline } from '../cluster/timing.js';
import type { TopicPartition } from '../cluster/cluster.js';
import type { CommitListener, OffsetToCommit, PartitionOffset } from './commit-types.js';
import type { OffsetToCommit as GroupOffsetToCommit } from './group/offsets.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';
import { checkOffset, checkTopicPartition, keyOf } from './topic-partition.js';

/** Where committed offsets are stored and read: the group member, or the standalone committer (assign mode). */
export interface OffsetStore {
  commit(offsets: ReadonlyMap<string, { offset: number; leaderEpoch: number | null; metadata: string | null }>, signal?: AbortSignal): Promise<void>;
  fetch(partitions: readonly TopicPartition[], signal?: AbortSignal): Promise<Map<string, { offset: number; leaderEpoch: number | null; metadata: string | null } | null>>;
}

/** One partition of a prepared commit. */
interface PreparedEntry extends GroupOffsetToCommit {
  /** The partition state and its seek version when prepared (null for partitions not assigned). */
  readonly state: PartitionState | null;
  readonly seekVersion: number;
}

export interface CommitSettings {
  readonly enableAutoCommit: boolean;
  readonly autoCommitIntervalMs: number;
  readonly defaultApiTimeoutMs: number;
  readonly listener: CommitListener | undefined;
}

/** The offset to commit for an assigned partition now, or null when it has none. */
export function consumedOffset(state: PartitionState): { offset: number; leaderEpoch: number | null } | null {
  if (state.consumedOffset !== null) return { offset: state.consumedOffset, leaderEpoch: state.consumedEpoch };
  if (state.position === null || !state.hasValidPosition) return null;
  return { offset: state.position, leaderEpoch: state.positionEpoch };
}

export class CommitManager {
  private chain: Promise<unknown> = Promise.resolve();
  private autoCommitPending = false;
  /** A commitAsync() of the consumed offsets waiting for its turn: later ones join it. */
  private queuedConsumedCommit: Promise<void> | null = null;
  private nextAutoCommitAt: number;

  constructor(
    private readonly subscriptions: SubscriptionState,
    private readonly store: () => OffsetStore,
    private readonly settings: CommitSettings,
    private readonly logger: Logger,
  ) {
    this.nextAutoCommitAt = performance.now() + settings.autoCommitIntervalMs;
  }

  /** Entries for the consumed offsets of the given partitions (default: all assigned). */
  prepareConsumed(partitions?: readonly TopicPartition[], onlyChanged = false): PreparedEntry[] {
    const states = partitions === undefined ? [...this.subscriptions.partitions()] : partitions.map((tp) => this.subscriptions.get(tp)).filter((state): state is PartitionState => state !== undefined);
    const entries: PreparedEntry[] = [];
    for (const state of states) {
      const consumed = consumedOffset(state);
      if (consumed === null) continue;
      if (onlyChanged && consumed.offset === state.committedFloor) continue;
      entries.push({ key: state.key, topic: state.topic, partition: state.partition, offset: consumed.offset, leaderEpoch: consumed.leaderEpoch, metadata: '', state, seekVersion: state.seekVersion });
    }
    return entries;
  }

  /** Entries for offsets given by the application (checked: `KafkaInvalidArgumentError`). */
  prepareExplicit(offsets: readonly OffsetToCommit[]): PreparedEntry[] {
    if (!Array.isArray(offsets)) throw new KafkaInvalidArgumentError('offsets must be an array of { topic, partition, offset, leaderEpoch?, metadata? }');
    const byKey = new Map<string, PreparedEntry>();
    for (const entry of offsets) {
      const tp = checkTopicPartition(entry, 'offset to commit');
      const offset = checkOffset(entry.offset, `the offset to commit for ${tp.topic}-${tp.partition}`);
      const state = this.subscriptions.get(tp) ?? null;
      let leaderEpoch = entry.leaderEpoch ?? null;
      if (leaderEpoch !== null && (!Number.isInteger(leaderEpoch) || leaderEpoch < 0)) throw new KafkaInvalidArgumentError(`the leader epoch for ${tp.topic}-${tp.partition} must be a non-negative integer or null`);
      if (entry.leaderEpoch === undefined && state !== null && state.position === offset) leaderEpoch = state.positionEpoch;
      const metadata = entry.metadata ?? '';
      if (typeof metadata !== 'string') throw new KafkaInvalidArgumentError(`the metadata for ${tp.topic}-${tp.partition} must be a string or null`);
      byKey.set(keyOf(tp), { key: keyOf(tp), topic: tp.topic, partition: tp.partition, offset, leaderEpoch, metadata, state, seekVersion: state?.seekVersion ?? 0 });
    }
    return [...byKey.values()];
  }

  /**
   * Queues a commit and resolves with the offsets actually committed (entries below the floor or
   * prepared before a seek are left out). Rejects with the store's typed error.
   */
  commit(entries: readonly PreparedEntry[], options: { signal?: AbortSignal | undefined; timeoutMs?: number } = {}): Promise<PartitionOffset[]> {
    const run = this.chain.then(() => this.send(entries, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * commitAsync() of the consumed offsets: taken when the commit's turn comes, so that calls made
   * while it waits join it (a tight loop of commitAsync() cannot queue commits without bound).
   */
  commitConsumedAsync(): Promise<void> {
    if (this.queuedConsumedCommit !== null) return this.queuedConsumedCommit;
    let attempted: PreparedEntry[] = [];
    const run = this.chain.then(() => {
      this.queuedConsumedCommit = null;
      attempted = this.prepareConsumed();
      return this.send(attempted, {});
    });
    this.chain = run.catch(() => undefined);
    const reported = this.report(run, () => attempted, 'commitAsync');
    this.queuedConsumedCommit = reported;
    return reported;
  }

  /** Commits without waiting; the outcome goes to the listener (or the log). Never rejects. */
  commitAsync(entries: readonly PreparedEntry[], what = 'commitAsync'): Promise<void> {
    return this.report(this.commit(entries), () => entries, what);
  }

  private report(commit: Promise<PartitionOffset[]>, attempted: () => readonly PreparedEntry[], what: string): Promise<void> {
    return commit.then(
      (committed) => this.notify('onCommitSucceeded', committed, null),
      (error: unknown) => {
        const failure = error instanceof KafkaError ? error : new KafkaError(`${what} failed: ${String(error)}`, { cause: error });
        const offsets = attempted().map(toPartitionOffset);
        if (this.settings.listener?.onCommitFailed === undefined) {
          this.logger.warn(`${what} failed`, { error: failure.message, errorName: failure.errorName, partitions: offsets.length });
        }
        return this.notify('onCommitFailed', offsets, failure);
      },
    );
  }

  /** Starts an automatic commit when one is due (called from poll()). */
  maybeAutoCommit(now = performance.now()): void {
    if (!this.settings.enableAutoCommit || now < this.nextAutoCommitAt || this.autoCommitPending) return;
    this.nextAutoCommitAt = now + this.settings.autoCommitIntervalMs;
    const entries = this.prepareConsumed(undefined, true);
    if (entries.length === 0) return;
    this.autoCommitPending = true;
    void this.commitAsync(entries, 'automatic commit').finally(() => {
      this.autoCommitPending = false;
    });
  }

  /** Waits for every queued commit to finish (close()). */
  async drain(): Promise<void> {
    await this.chain;
  }

  private async send(entries: readonly PreparedEntry[], options: { signal?: AbortSignal | undefined; timeoutMs?: number }): Promise<PartitionOffset[]> {
    const offsets = new Map<string, { offset: number; leaderEpoch: number | null; metadata: string | null }>();
    const sent: PreparedEntry[] = [];
    for (const entry of entries) {
      const state = entry.state;
      if (state !== null) {
        // Left out: the partition was unassigned, sought since, or already committed further.
        if (this.subscriptions.getByKey(entry.key) !== state || state.seekVersion !== entry.seekVersion) continue;
        if (entry.offset < state.committedFloor) {
          this.logger.debug('commit left out: lower than the offset already committed', { topic: entry.topic, partition: entry.partition, offset: entry.offset, committed: state.committedFloor });
          continue;
        }
      }
      offsets.set(entry.key, { offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata });
      sent.push(entry);
    }
    if (offsets.size === 0) return [];
    const deadline = new Deadline(options.timeoutMs ?? this.settings.defaultApiTimeoutMs, options.signal, () => `the commit did not complete within ${options.timeoutMs ?? this.settings.defaultApiTimeoutMs} ms`);
    try {
      await this.store().commit(offsets, deadline.signal);
    } finally {
      deadline.dispose();
    }
    for (const entry of sent) {
      const state = entry.state;
      if (state !== null && this.subscriptions.getByKey(entry.key) === state && state.seekVersion === entry.seekVersion && entry.offset > state.committedFloor) {
        state.committedFloor = entry.offset;
      }
    }
    return sent.map(toPartitionOffset);
  }

  private async notify(method: 'onCommitSucceeded' | 'onCommitFailed', offsets: PartitionOffset[], error: KafkaError | null): Promise<void> {
    const listener = this.settings.listener;
    if (listener === undefined) return;
    try {
      if (method === 'onCommitSucceeded') {
        if (offsets.length > 0) await listener.onCommitSucceeded?.(offsets);
      } else {
        await listener.onCommitFailed?.(error!, offsets);
      }
    } catch (listenerError) {
      this.logger.error(`the commitListener's ${method} threw`, { error: listenerError instanceof Error ? listenerError.message : String(listenerError) });
    }
  }
}

function toPartitionOffset(entry: PreparedEntry): PartitionOffset {
  return { topic: entry.topic, partition: entry.partition, offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata };
}

export type { PreparedEntry };
