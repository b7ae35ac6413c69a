/**
 * A group member's OffsetCommit, with the generation rules (Java 3.x semantics, refusing only
 * where it must):
 *
 * - The commit carries the member's current generation and member id (and group instance id).
 *   While a JoinGroup is under way the old generation is still the coordinator's (Kafka accepts
 *   commits in PreparingRebalance), so it is used; between JoinGroup and SyncGroup the commit waits
 *   for SyncGroup and then uses the new generation.
 * - Partitions owned when the commit started but revoked or lost before it could be sent are left
 *   out (their new owner may already have moved on): `KafkaCommitFailedError` names them after the
 *   rest is committed. A commit is never sent with a generation the member knows to be stale.
 * - ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID for the generation sent: the member lost its place, its
 *   partitions are lost and it rejoins; the commit fails with `KafkaCommitFailedError`. If the
 *   member meanwhile moved to a newer generation, the commit is retried with it.
 * - REBALANCE_IN_PROGRESS (librdkafka's mock answers it while a group rebalances; Kafka between
 *   JoinGroup and SyncGroup): the commit waits for the rebalance to progress and is retried, except
 *   from inside a rebalance callback, which it would wait for: `KafkaRebalanceInProgressError` then.
 * - FENCED_INSTANCE_ID is fatal for the member.
 * Other retriable and coordinator errors are retried within the deadline by `withRetries`.
 */
import type { Cluster } from '../../cluster/cluster.js';
import type { CoordinatorKey } from '../../cluster/coordinators.js';
import type { KafkaError } from '../../protocol/errors.js';
import { FENCED_INSTANCE_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, sendOffsetCommit, settleCommitResults, type OffsetRequestOptions } from './committer.js';
import { KafkaCommitFailedError, KafkaRebalanceInProgressError } from './errors.js';
import type { CommitIdentity, OffsetToCommit } from './offsets.js';

/** What a commit needs to see of the member, and may do to it. */
export interface CommitView {
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly coordinator: CoordinatorKey;
  readonly defaultApiTimeoutMs: number;
  readonly fatalError: KafkaError | null;
  /** True between JoinGroup and SyncGroup. */
  readonly syncing: boolean;
  readonly generationId: number;
  readonly memberId: string;
  readonly rebalanceRunning: boolean;
  readonly callbackRunning: boolean;
  readonly rejoinReason: string | null;
  /** Changes whenever the partition is (re)assigned; undefined when it is not owned. */
  ownershipToken(key: string): number | undefined;
  resetGeneration(resetMemberId: boolean, reason: string): void;
  failFatally(error: KafkaError): void;
  /** Asks for a rebalance unless one is known to be under way. */
  rejoinIfStable(reason: string): void;
  /** Resolves at the member's next state change; rejects when `signal` fires. */
  nextChange(signal: AbortSignal): Promise<void>;
}

function describe(entries: readonly OffsetToCommit[]): string {
  return entries.map((entry) => `${entry.topic}-${entry.partition}`).join(', ');
}

function hasGeneration(member: CommitView): boolean {
  return member.generationId >= 0 && member.memberId !== '';
}

/** Waits for the rebalance to progress, unless a rebalance callback runs or no rebalance does: then the commit fails. */
async function waitForRebalance(member: CommitView, signal: AbortSignal): Promise<void> {
  if (member.callbackRunning || !member.rebalanceRunning) {
    throw new KafkaRebalanceInProgressError(`group ${member.groupId} is rebalancing: the commit cannot complete until it does; poll, then commit again`);
  }
  await member.nextChange(signal);
}

/** The generation to commit with now, or null after waiting for the rebalance to progress. */
async function commitIdentity(member: CommitView, pending: ReadonlyMap<string, OffsetToCommit>, tokens: ReadonlyMap<string, number | undefined>, signal: AbortSignal): Promise<CommitIdentity | null> {
  // Between JoinGroup and SyncGroup the coordinator refuses commits of both generations.
  if (member.syncing) {
    await waitForRebalance(member, signal);
    return null;
  }
  if (!hasGeneration(member)) {
    const wereOwned = [...pending.keys()].some((key) => tokens.get(key) !== undefined);
    if (wereOwned || !member.rebalanceRunning) {
      throw new KafkaCommitFailedError(
        `the commit failed: the member is not part of group ${member.groupId} now (${member.rejoinReason ?? 'no generation'}); its partitions are lost and will be rejoined`,
      );
    }
    await waitForRebalance(member, signal);
    return null;
  }
  return { generationId: member.generationId, memberId: member.memberId, groupInstanceId: member.groupInstanceId };
}

/** Commits `entries` for the member (see the module comment); the caller runs one at a time. */
export async function commitInOrder(cluster: Cluster, member: CommitView, entries: readonly OffsetToCommit[], options: OffsetRequestOptions): Promise<void> {
  const tokens = new Map(entries.map((entry) => [entry.key, member.ownershipToken(entry.key)]));
  const pending = new Map(entries.map((entry) => [entry.key, entry]));
  const moved: OffsetToCommit[] = [];
  await cluster.withRetries(
    async (attempt) => {
      for (;;) {
        if (member.fatalError !== null) throw member.fatalError;
        for (const [key, entry] of pending) {
          const token = tokens.get(key);
          if (token !== undefined && member.ownershipToken(key) !== token) {
            pending.delete(key);
            moved.push(entry);
          }
        }
        if (pending.size === 0) return;
        const identity = await commitIdentity(member, pending, tokens, attempt.signal);
        if (identity === null) continue;
        const results = await sendOffsetCommit(cluster, member.groupId, identity, [...pending.values()], attempt);
        const failure = settleCommitResults(cluster, member.groupId, pending, results);
        if (failure === null) return;
        const sameGeneration = identity.generationId === member.generationId && identity.memberId === member.memberId;
        switch (failure.code) {
          case FENCED_INSTANCE_ID:
            member.failFatally(failure);
            throw failure;
          case ILLEGAL_GENERATION:
          case UNKNOWN_MEMBER_ID:
            // A newer generation meanwhile: the partitions still owned are committed with it.
            if (!sameGeneration) continue;
            member.resetGeneration(failure.code === UNKNOWN_MEMBER_ID, `OffsetCommit was answered ${failure.errorName}`);
            throw new KafkaCommitFailedError(
              `the commit failed because group ${member.groupId} has moved on without this member (${failure.errorName}); it rejoins and the partitions' new owners continue from the last commit`,
              { cause: failure },
            );
          case REBALANCE_IN_PROGRESS:
            if (member.callbackRunning) {
              throw new KafkaRebalanceInProgressError(`group ${member.groupId} is rebalancing: the coordinator refuses commits until it completes`, { cause: failure });
            }
            if (sameGeneration) member.rejoinIfStable('the coordinator is rebalancing (OffsetCommit)');
            await waitForRebalance(member, attempt.signal);
            continue;
          default:
            throw failure;
        }
      }
    },
    {
      timeoutMs: options.timeoutMs ?? member.defaultApiTimeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      what: `OffsetCommit for group ${member.groupId}`,
      coordinator: member.coordinator,
    },
  );
  if (moved.length > 0) {
    throw new KafkaCommitFailedError(`offsets of ${describe(moved)} were not committed: the partitions were revoked or lost while the commit was waiting`);
  }
}
