/**
 * The consumer's side of group membership: it owns the `GroupMembership` of ./group (subscribe()
 * mode) and the `OffsetCommitter` (assign() mode with a groupId), and implements the
 * `MembershipHost` callbacks that keep the consumer's assignment in step with the group's:
 *
 * - revoked: the partitions stop being fetched and returned at once, their consumed offsets are
 *   committed (with auto-commit), the application's onPartitionsRevoked runs, then they are dropped;
 * - assigned: the partitions are added (their positions come from the committed offsets), then
 *   the application's onPartitionsAssigned runs (it may seek);
 * - lost: the partitions are dropped without a commit, then onPartitionsLost runs (Java's default:
 *   onPartitionsRevoked when there is no onPartitionsLost).
 *
 * The membership rebalances in the background, so these may run while the application is busy;
 * an error thrown by the application's callback is raised by the next poll().
 */
import type { Cluster, TopicPartition } from '../cluster/cluster.js';
import type { Logger } from '../cluster/logger.js';
import { Deadline } from '../cluster/timing.js';
import { KafkaAbortError, KafkaError } from '../protocol/errors.js';
import { GroupMembership, type MembershipHost } from './group/membership.js';
import { OffsetCommitter } from './group/committer.js';
import { KafkaRebalanceCallbackError } from './group/errors.js';
import type { OffsetStore } from './commits.js';
import type { ResolvedConsumerOptions } from './options.js';
import type { SubscriptionState } from './subscription-state.js';

/** The application's rebalance callbacks; each may be async and is awaited. */
export interface RebalanceListener {
  /** Partitions taken away (after their offsets were committed, with auto-commit). Commit here for manual commits. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions given to this consumer; seek here to start elsewhere than the committed offsets. */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a clean revocation (no commit possible); default: onPartitionsRevoked. */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface GroupHooks {
  /** Commits the consumed offsets of partitions about to be revoked (with auto-commit). */
  commitBeforeRevoke(partitions: readonly TopicPartition[]): Promise<void>;
  /** The assignment changed: look positions up, fetch, wake poll(). */
  assignmentChanged(): void;
}

export class ConsumerGroup {
  private readonly membership: GroupMembership;
  private readonly committer: OffsetCommitter;
  private listener: RebalanceListener = {};
  private callbackError: KafkaError | null = null;
  private readonly logger: Logger;

  constructor(
    cluster: Cluster,
    private readonly options: ResolvedConsumerOptions,
    private readonly subscriptions: SubscriptionState,
    private readonly hooks: GroupHooks,
  ) {
    this.logger = cluster.logger;
    const host: MembershipHost = {
      subscribedTopics: () => this.subscriptions.subscribedTopics,
      onPartitionsRevoked: (partitions) => this.revoked(partitions),
      onPartitionsAssigned: (partitions) => this.assigned(partitions),
      onPartitionsLost: (partitions) => this.lost(partitions),
    };
    this.membership = new GroupMembership(
      cluster,
      {
        groupId: options.groupId!,
        groupInstanceId: options.groupInstanceId ?? null,
        sessionTimeoutMs: options.sessionTimeoutMs,
        rebalanceTimeoutMs: options.maxPollIntervalMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        assignors: options.partitionAssignmentStrategy,
        clientRack: options.clientRack === undefined || options.clientRack === '' ? null : options.clientRack,
        retryBackoffMs: options.retryBackoffMs,
        requestTimeoutMs: options.requestTimeoutMs,
        defaultApiTimeoutMs: options.defaultApiTimeoutMs,
        logger: cluster.logger,
      },
      host,
    );
    this.committer = new OffsetCommitter(cluster, { groupId: options.groupId!, defaultApiTimeoutMs: options.defaultApiTimeoutMs });
  }

  setListener(listener: RebalanceListener): void {
    this.listener = listener;
  }

  /** Where commits go: the member's generation when subscribed, generation -1 in assign() mode. */
  store(): OffsetStore {
    const subscribed = this.subscriptions.type === 'topics' || this.subscriptions.type === 'pattern';
    if (subscribed) {
      return {
        commit: (offsets, signal) => this.membership.commitOffsets(offsets, signal ? { signal } : {}),
        fetch: (partitions, signal) => this.membership.fetchCommittedOffsets(partitions, signal ? { signal } : {}),
      };
    }
    return {
      commit: (offsets, signal) => this.committer.commitOffsets(offsets, signal ? { signal } : {}),
      fetch: (partitions, signal) => this.committer.fetchCommittedOffsets(partitions, signal ? { signal } : {}),
    };
  }

  requestRejoin(reason: string): void {
    this.membership.requestRejoin(reason);
  }

  notePoll(): void {
    this.membership.notePoll();
  }

  /**
   * Joins or completes a rebalance; resolves true once the member has a usable assignment, false
   * when `deadline` (performance.now() time) or `signal` comes first.
   */
  async ensureActive(signal: AbortSignal | undefined, deadline: number): Promise<boolean> {
    const remaining = deadline - performance.now();
    if (remaining === Infinity) {
      try {
        await this.membership.ensureActive(signal);
        return true;
      } catch (error) {
        if (error instanceof KafkaAbortError && signal?.aborted) return false;
        throw error;
      }
    }
    const limit = new Deadline(Math.max(0, remaining), signal, () => 'poll timeout');
    try {
      await this.membership.ensureActive(limit.signal);
      return true;
    } catch (error) {
      if (error instanceof KafkaAbortError && limit.signal.aborted) return false;
      throw error;
    } finally {
      limit.dispose();
    }
  }

  /**
   * How long poll() may wait for data before coming back to the group: rebalances run in the
   * background, but the member counts the application as polling only when told (notePoll), and
   * leaves the group after maxPollIntervalMs without it.
   */
  maxWaitMs(remaining: number): number {
    return Math.min(remaining, this.options.heartbeatIntervalMs);
  }

  /** Raises (once) an error thrown by the application's rebalance callback. */
  throwCallbackError(): void {
    const error = this.callbackError;
    if (error !== null) {
      this.callbackError = null;
      throw error;
    }
  }

  async leave(reason: string): Promise<void> {
    await this.membership.leave(reason);
  }

  close(): Promise<void> {
    return this.membership.close();
  }

  metadata(): { groupId: string; generationId: number; memberId: string; groupInstanceId: string | null } {
    const generation = this.membership.generation();
    return { groupId: this.options.groupId!, generationId: generation.generationId, memberId: generation.memberId, groupInstanceId: this.options.groupInstanceId ?? null };
  }

  // ---- host callbacks ----

  private async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) {
      const state = this.subscriptions.get(tp);
      if (state === undefined) continue;
      state.revoking = true;
      state.dropBuffered();
    }
    await this.hooks.commitBeforeRevoke(partitions);
    try {
      await this.listener.onPartitionsRevoked?.([...partitions]);
    } catch (error) {
      this.recordCallbackError('onPartitionsRevoked', error);
    } finally {
      this.subscriptions.removeAssigned(partitions);
      this.hooks.assignmentChanged();
    }
  }

  private async assigned(partitions: readonly TopicPartition[]): Promise<void> {
    for (const state of this.subscriptions.addAssigned(partitions)) state.awaitingCommitted = true;
    try {
      await this.listener.onPartitionsAssigned?.([...partitions]);
    } catch (error) {
      this.recordCallbackError('onPartitionsAssigned', error);
    } finally {
      this.hooks.assignmentChanged();
    }
  }

  private async lost(partitions: readonly TopicPartition[]): Promise<void> {
    this.subscriptions.removeAssigned(partitions);
    this.hooks.assignmentChanged();
    try {
      const callback = this.listener.onPartitionsLost ?? this.listener.onPartitionsRevoked;
      await callback?.call(this.listener, [...partitions]);
    } catch (error) {
      this.recordCallbackError(this.listener.onPartitionsLost ? 'onPartitionsLost' : 'onPartitionsRevoked', error);
    }
  }

  private recordCallbackError(what: string, error: unknown): void {
    const wrapped = error instanceof KafkaError ? error : new KafkaRebalanceCallbackError(`the rebalance listener's ${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.logger.warn('a rebalance callback failed', { callback: what, error: wrapped.message });
    this.callbackError ??= wrapped;
  }
}
