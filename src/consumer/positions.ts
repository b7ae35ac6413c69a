/**
 * Finding positions: partitions without a known position get the committed offset of the group
 * (when the consumer has a groupId) or, without one, the `autoOffsetReset` policy; pending resets
 * (seekToBeginning/End, out-of-range positions) are resolved with ListOffsets. Lookups run in the
 * background, one at a time per partition; poll() starts them and waits for data meanwhile, and
 * position() waits for them. Results are applied only if nothing changed the partition meanwhile
 * (a seek, a new reset, a revocation).
 */
import { KafkaError } from '../protocol/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import { Deadline } from '../cluster/timing.js';
import type { OffsetStore } from './commits.js';
import { KafkaOffsetOutOfRangeError } from './errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './offset-lookup.js';
import type { PartitionState, ResetPolicy, SubscriptionState } from './subscription-state.js';

export interface PositionSettings {
  /** null for autoOffsetReset 'none'. */
  readonly resetPolicy: ResetPolicy | null;
  readonly readCommitted: boolean;
  readonly defaultApiTimeoutMs: number;
}

export class PositionResolver {
  private readonly running = new Set<Promise<void>>();
  /** Errors for poll() to raise once (no offset to start from with policy 'none', lookup failures). */
  private pendingError: KafkaError | null = null;
  private closed = false;
  private readonly lifetime = new AbortController();

  constructor(
    private readonly cluster: Cluster,
    private readonly subscriptions: SubscriptionState,
    /** The committed offsets of the group; null without a groupId. */
    private readonly store: () => OffsetStore | null,
    private readonly settings: PositionSettings,
    private readonly logger: Logger,
    /** Positions changed or a lookup failed: fetch and wake poll(). */
    private readonly onUpdate: () => void,
  ) {}

  /**
   * Raises (once) an error found by a lookup, or KafkaOffsetOutOfRangeError (offset null) for
   * partitions that have no position and nothing to find one with (autoOffsetReset 'none' and no
   * committed offset).
   */
  throwPendingError(): void {
    const error = this.pendingError;
    if (error !== null) {
      this.pendingError = null;
      throw error;
    }
    if (this.settings.resetPolicy !== null) return;
    const stuck = [...this.subscriptions.partitions()].filter(
      (state) => state.position === null && state.resetTo === null && !state.awaitingCommitted && !state.positionLookupRunning && !state.revoking,
    );
    if (stuck.length > 0) throw new KafkaOffsetOutOfRangeError(stuck.map((state) => ({ topic: state.topic, partition: state.partition, offset: null })));
  }

  /** Whether a lookup is running. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Starts lookups for every partition that needs one; resolves when the lookups running now end. */
  update(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const committed: PartitionState[] = [];
    const resets = new Map<ResetPolicy, PartitionState[]>();
    for (const state of this.subscriptions.partitions()) {
      if (state.positionLookupRunning || state.revoking) continue;
      if (state.awaitingCommitted) {
        if (this.store() === null) {
          state.awaitingCommitted = false;
        } else {
          committed.push(state);
          continue;
        }
      }
      if (state.position === null && state.resetTo === null) {
        // Without a policy the partition waits for a seek (poll() raises meanwhile).
        if (this.settings.resetPolicy === null) continue;
        state.resetTo = this.settings.resetPolicy;
      }
      if (state.resetTo !== null) {
        let list = resets.get(state.resetTo);
        if (list === undefined) resets.set(state.resetTo, (list = []));
        list.push(state);
      }
    }
    if (committed.length > 0) this.track(this.lookUpCommitted(committed));
    for (const [policy, states] of resets) this.track(this.reset(policy, states));
    return Promise.all([...this.running]).then(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.lifetime.abort();
  }

  private track(lookup: Promise<void>): void {
    this.running.add(lookup);
    void lookup.finally(() => {
      this.running.delete(lookup);
      this.onUpdate();
    });
  }

  private async lookUpCommitted(states: PartitionState[]): Promise<void> {
    for (const state of states) state.positionLookupRunning = true;
    const timeoutMs = this.settings.defaultApiTimeoutMs;
    const deadline = new Deadline(timeoutMs, this.lifetime.signal, () => `fetching committed offsets did not complete within ${timeoutMs} ms`);
    try {
      const store = this.store()!;
      const found = await store.fetch(
        states.map((state) => ({ topic: state.topic, partition: state.partition })),
        deadline.signal,
      );
      for (const state of states) {
        if (!this.isCurrent(state) || !state.awaitingCommitted) continue;
        const committed = found.get(state.key) ?? null;
        if (committed !== null) {
          state.seek(committed.offset, committed.leaderEpoch);
          state.committedFloor = committed.offset;
          this.logger.debug('starting from the committed offset', { topic: state.topic, partition: state.partition, offset: committed.offset });
        } else {
          state.awaitingCommitted = false;
          if (this.settings.resetPolicy !== null) state.resetTo = this.settings.resetPolicy;
        }
      }
    } catch (error) {
      this.fail('fetching committed offsets', error);
    } finally {
      deadline.dispose();
      for (const state of states) state.positionLookupRunning = false;
    }
    // Partitions without a committed offset go on to the reset policy.
    if (!this.closed && states.some((state) => this.isCurrent(state) && (state.resetTo !== null || (state.position === null && !state.awaitingCommitted)))) void this.update();
  }

  private async reset(policy: ResetPolicy, states: PartitionState[]): Promise<void> {
    for (const state of states) state.positionLookupRunning = true;
    try {
      const timestamp = policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
      const found = await listOffsets(
        this.cluster,
        states.map((state) => ({ tp: { topic: state.topic, partition: state.partition }, timestamp })),
        { readCommitted: this.settings.readCommitted, timeoutMs: this.settings.defaultApiTimeoutMs, signal: this.lifetime.signal },
      );
      for (const state of states) {
        if (!this.isCurrent(state) || state.resetTo !== policy) continue;
        const listed = found.get(state.key);
        if (listed === undefined || listed === null) continue;
        state.seek(listed.offset, listed.leaderEpoch);
        this.logger.debug('position reset', { topic: state.topic, partition: state.partition, policy, offset: listed.offset });
      }
    } catch (error) {
      this.fail(`resetting positions to the ${policy} offsets`, error);
    } finally {
      for (const state of states) state.positionLookupRunning = false;
    }
  }

  private isCurrent(state: PartitionState): boolean {
    return this.subscriptions.getByKey(state.key) === state && !state.revoking;
  }

  private fail(what: string, error: unknown): void {
    if (this.closed) return;
    const failure = error instanceof KafkaError ? error : new KafkaError(`${what} failed: ${String(error)}`, { cause: error });
    // Retriable failures (the deadline passed while the cluster was unavailable) are tried again
    // by the next poll; the others are raised by it.
    if (failure.retriable) {
      this.logger.warn(`${what} failed; will retry`, { error: failure.message });
      return;
    }
    this.pendingError ??= failure;
  }
}
