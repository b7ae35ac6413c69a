/**
 * Committing and reading a group's offsets through its coordinator, with retries.
 *
 * `OffsetCommitter` serves assign()-mode consumers that have a group id but are not members: they
 * commit with generation -1 and no member id, which the coordinator accepts only while the group
 * has no active members (else UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION, reported as
 * `KafkaCommitFailedError`). `GroupMembership` commits through `sendOffsetCommit` with its
 * generation and reads offsets with `fetchCommittedOffsets`, like this class.
 *
 * Retried within the deadline (default 60 s, Java's default.api.timeout.ms): retriable codes
 * (COORDINATOR_LOAD_IN_PROGRESS, UNKNOWN_TOPIC_OR_PARTITION, UNSTABLE_OFFSET_COMMIT, ...), broken
 * connections and the coordinator errors (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * REQUEST_TIMED_OUT), after which the coordinator is looked up again. A commit resends only the
 * partitions that have not succeeded yet.
 */
import type { Cluster } from '../../cluster/cluster.js';
import { DEFAULT_API_TIMEOUT_MS, type AttemptContext } from '../../cluster/retry.js';
import type { CoordinatorKey } from '../../cluster/coordinators.js';
import { KafkaConfigError, KafkaProtocolError, type KafkaError } from '../../protocol/errors.js';
import { OffsetCommit } from '../../protocol/generated/offset-commit.js';
import { OffsetFetch } from '../../protocol/generated/offset-fetch.js';
import type { TopicPartition } from '../../cluster/cluster.js';
import { KafkaCommitFailedError, KafkaRebalanceInProgressError } from './errors.js';
import { GROUP_LANE } from './join.js';
import {
  NO_GENERATION,
  offsetCommitRequest,
  offsetCommitResults,
  offsetFetchRequest,
  offsetFetchResults,
  topicPartitionKey,
  validateOffsets,
  validatePartitions,
  type CommitIdentity,
  type CommittedOffset,
  type OffsetToCommit,
} from './offsets.js';

export const ILLEGAL_GENERATION = 22;
export const UNKNOWN_MEMBER_ID = 25;
export const REBALANCE_IN_PROGRESS = 27;
export const FENCED_INSTANCE_ID = 82;
const REQUEST_TIMED_OUT = 7;

/** Per-call options of commits and offset reads. */
export interface OffsetRequestOptions {
  readonly signal?: AbortSignal;
  /** Overall time with retries; default the committer's or membership's `defaultApiTimeoutMs` (60000). */
  readonly timeoutMs?: number;
}

export function groupCoordinator(groupId: string): CoordinatorKey {
  return { type: 'group', key: groupId };
}

/** Sends one OffsetCommit to the group's coordinator and returns each partition's error code. */
export async function sendOffsetCommit(
  cluster: Cluster,
  groupId: string,
  identity: CommitIdentity,
  entries: readonly OffsetToCommit[],
  attempt: AttemptContext,
): Promise<Map<string, number>> {
  const coordinator = groupCoordinator(groupId);
  attempt.usingCoordinator(coordinator);
  const channel = await cluster.route({ coordinator }, { signal: attempt.signal, lane: GROUP_LANE });
  const version = channel.pick(OffsetCommit);
  const response = await channel.send(OffsetCommit, offsetCommitRequest(groupId, identity, entries, version), {
    version,
    signal: attempt.signal,
    timeoutMs: attempt.requestTimeoutMs(),
  });
  return offsetCommitResults(response, entries);
}

/** The typed error for a partition's commit error code (the group-membership codes are the caller's). */
export function commitError(groupId: string, entry: OffsetToCommit, code: number): KafkaProtocolError {
  return new KafkaProtocolError(code, { groupId, topic: entry.topic, partition: entry.partition, apiName: 'OffsetCommit' });
}

/**
 * Takes the partitions that succeeded out of `pending` and returns the error to throw for the rest:
 * a non-retriable one first (the commit fails), else a retriable one (the attempt is retried).
 * REQUEST_TIMED_OUT in a commit answer means the coordinator is in trouble: it is looked up again.
 */
export function settleCommitResults(cluster: Cluster, groupId: string, pending: Map<string, OffsetToCommit>, results: ReadonlyMap<string, number>): KafkaProtocolError | null {
  let retriable: KafkaProtocolError | null = null;
  let fatal: KafkaProtocolError | null = null;
  for (const [key, code] of results) {
    const entry = pending.get(key);
    if (entry === undefined) continue;
    if (code === 0) {
      pending.delete(key);
      continue;
    }
    const error = commitError(groupId, entry, code);
    if (code === REQUEST_TIMED_OUT) cluster.coordinators.invalidate(groupCoordinator(groupId));
    if (error.retriable) retriable ??= error;
    else fatal ??= error;
  }
  return fatal ?? retriable;
}

/**
 * Reads the group's committed offsets (OffsetFetch asking for stable offsets, so that pending
 * transactional commits are waited out through UNSTABLE_OFFSET_COMMIT retries). A partition with
 * no commit maps to null.
 */
export async function fetchCommittedOffsets(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[],
  options: OffsetRequestOptions & { readonly defaultTimeoutMs: number },
): Promise<Map<string, CommittedOffset | null>> {
  const wanted = validatePartitions(partitions);
  if (wanted.length === 0) return new Map();
  const coordinator = groupCoordinator(groupId);
  const byKey = new Map(wanted.map((tp) => [topicPartitionKey(tp.topic, tp.partition), tp]));
  return cluster.withRetries(
    async (attempt) => {
      attempt.usingCoordinator(coordinator);
      const channel = await cluster.route({ coordinator }, { signal: attempt.signal, lane: GROUP_LANE });
      const version = channel.pick(OffsetFetch);
      const response = await channel.send(OffsetFetch, offsetFetchRequest(groupId, wanted, version), {
        version,
        signal: attempt.signal,
        timeoutMs: attempt.requestTimeoutMs(),
      });
      const results = offsetFetchResults(response, groupId, wanted);
      if (results.errorCode !== 0) throw new KafkaProtocolError(results.errorCode, { groupId, apiName: 'OffsetFetch' });
      const offsets = new Map<string, CommittedOffset | null>();
      let failure: KafkaError | null = null;
      for (const [key, fetched] of results.partitions) {
        if (fetched.errorCode !== 0) {
          const tp = byKey.get(key)!;
          const error = new KafkaProtocolError(fetched.errorCode, { groupId, topic: tp.topic, partition: tp.partition, apiName: 'OffsetFetch' });
          // A non-retriable error wins: retrying cannot help the call then.
          if (failure === null || (failure.retriable && !error.retriable)) failure = error;
          continue;
        }
        offsets.set(key, fetched.committed);
      }
      if (failure !== null) throw failure;
      return offsets;
    },
    {
      timeoutMs: options.timeoutMs ?? options.defaultTimeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      what: `OffsetFetch for group ${groupId}`,
      coordinator,
    },
  );
}

export interface OffsetCommitterOptions {
  readonly groupId: string;
  /** Default overall time of a call with retries (Java's default.api.timeout.ms). Default 60000. */
  readonly defaultApiTimeoutMs?: number;
}

/** Commits and reads offsets for a group without being a member of it (assign()-mode consumers). */
export class OffsetCommitter {
  readonly groupId: string;
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly cluster: Cluster,
    options: OffsetCommitterOptions,
  ) {
    if (typeof options?.groupId !== 'string' || options.groupId.length === 0) throw new KafkaConfigError('OffsetCommitter needs a non-empty groupId');
    const timeout = options.defaultApiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS;
    if (!Number.isInteger(timeout) || timeout < 1) throw new KafkaConfigError(`defaultApiTimeoutMs must be a positive integer, got ${String(timeout)}`);
    this.groupId = options.groupId;
    this.defaultTimeoutMs = timeout;
  }

  /**
   * Commits `offsets` (keys from `topicPartitionKey`) with generation -1. Fails with
   * `KafkaCommitFailedError` when the group has active members, `KafkaRebalanceInProgressError`
   * while it rebalances, `KafkaTimeoutError` when retriable errors last past the deadline.
   */
  async commitOffsets(offsets: ReadonlyMap<string, CommittedOffset>, options: OffsetRequestOptions = {}): Promise<void> {
    const entries = validateOffsets(offsets);
    if (entries.length === 0) return;
    const pending = new Map(entries.map((entry) => [entry.key, entry]));
    await this.cluster.withRetries(
      async (attempt) => {
        const results = await sendOffsetCommit(this.cluster, this.groupId, NO_GENERATION, [...pending.values()], attempt);
        const failure = settleCommitResults(this.cluster, this.groupId, pending, results);
        if (failure === null) return;
        if (failure.code === ILLEGAL_GENERATION || failure.code === UNKNOWN_MEMBER_ID) {
          throw new KafkaCommitFailedError(`group ${this.groupId} has active members: a consumer that is not one of them cannot commit its offsets (${failure.errorName})`, { cause: failure });
        }
        if (failure.code === REBALANCE_IN_PROGRESS) {
          throw new KafkaRebalanceInProgressError(`group ${this.groupId} is rebalancing: offsets cannot be committed without being a member`, { cause: failure });
        }
        throw failure;
      },
      {
        timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        what: `OffsetCommit for group ${this.groupId}`,
        coordinator: groupCoordinator(this.groupId),
      },
    );
  }

  /** The committed offsets of `partitions`, keyed by `topicPartitionKey`; null where the group has none. */
  fetchCommittedOffsets(partitions: readonly TopicPartition[], options: OffsetRequestOptions = {}): Promise<Map<string, CommittedOffset | null>> {
    return fetchCommittedOffsets(this.cluster, this.groupId, partitions, { ...options, defaultTimeoutMs: this.defaultTimeoutMs });
  }
}
