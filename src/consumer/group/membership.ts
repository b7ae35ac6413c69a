/**
 * `GroupMembership`: one consumer's membership of a classic consumer group (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit/OffsetFetch), with eager and incremental cooperative
 * (KIP-429) rebalancing and static membership (KIP-345), following the Java client's
 * AbstractCoordinator/ConsumerCoordinator semantics.
 *
 * Interface notes for the consumer (changes from the first sketch of this interface):
 * - `commitOffsets(offsets, { signal, timeoutMs })` and `fetchCommittedOffsets(partitions,
 *   { signal, timeoutMs })` take an options object; offsets are keyed by `topicPartitionKey(topic,
 *   partition)` (exported here). Both default to `defaultApiTimeoutMs` (60 s).
 * - Rebalances run in the background as soon as the member learns of one (a heartbeat answered
 *   REBALANCE_IN_PROGRESS, `requestRejoin`, a fenced generation), not only when the application
 *   polls, so the host's callbacks may run while the application is busy elsewhere. They never run
 *   concurrently with each other, and the member's assignment changes only around them.
 * - `ensureActive` resolves once the member holds a usable assignment: when stable, or, under
 *   the cooperative protocol, while a rebalance goes on in the background once the member has
 *   completed a join in its current generation line (the partitions it keeps stay fetchable;
 *   `rebalanceInProgress` tells).
 * - `close()` calls onPartitionsRevoked (or onPartitionsLost when the generation is no longer
 *   valid) for what the member owns, so the host commits there, then leaves (dynamic members).
 * - Commits are sent one at a time in call order; partitions owned when a commit starts but revoked
 *   or lost before it is sent are not committed (`KafkaCommitFailedError` names them).
 */
import type { Cluster, TopicPartition } from '../../cluster/cluster.js';
import type { CoordinatorKey } from '../../cluster/coordinators.js';
import { raceSignal, backoffDelay, sleep } from '../../cluster/timing.js';
import {
  KafkaAbortError,
  KafkaConnectionError,
  KafkaError,
  KafkaProtocolError,
  KafkaStateError,
  KafkaTimeoutError,
  abortError,
} from '../../protocol/errors.js';
import type { JoinGroupResponse } from '../../protocol/generated/join-group.js';
import { decodeAssignment } from '../assignors/consumer-protocol.js';
import { joinGroupProtocols, partitionChanges } from '../assignors/group-protocol.js';
import { sortTopicPartitions, topicPartitionKey } from '../assignors/topic-partitions.js';
import type { PartitionAssignor, RebalanceProtocol } from '../assignors/types.js';
import {
  FENCED_INSTANCE_ID,
  ILLEGAL_GENERATION,
  REBALANCE_IN_PROGRESS,
  UNKNOWN_MEMBER_ID,
  fetchCommittedOffsets,
  groupCoordinator,
  type OffsetRequestOptions,
} from './committer.js';
import { KafkaRebalanceCallbackError } from './errors.js';
import { HeartbeatLoop, type HeartbeatIdentity } from './heartbeat.js';
import { PollIntervalWatch } from './poll-interval.js';
import {
  JOIN_LANE,
  MEMBER_ID_REQUIRED,
  assignAsLeader,
  checkJoinedProtocol,
  leaveGroup,
  partitionCounts,
  sendHeartbeat,
  sendJoinGroup,
  sendSyncGroup,
} from './join.js';
import { commitInOrder, type CommitView } from './member-commits.js';
import { validateOffsets, type CommittedOffset } from './offsets.js';
import { resolveMembershipOptions, type MembershipOptions, type ResolvedMembershipOptions } from './options.js';

export type { TopicPartition } from '../../cluster/cluster.js';
export type { CommittedOffset } from './offsets.js';
export type { MembershipOptions } from './options.js';
export type { OffsetRequestOptions } from './committer.js';
export { topicPartitionKey };

/** Implemented by the consumer: what the member subscribes to, and its rebalance callbacks. */
export interface MembershipHost {
  /** Topics to subscribe now (an explicit list, or a RegExp resolved by the consumer against metadata). */
  subscribedTopics(): readonly string[];
  /**
   * Partitions taken away in a rebalance (eager: everything owned, before rejoining; cooperative:
   * only the revoked ones, after SyncGroup; also everything on close/leave while the generation is
   * valid). The consumer stops fetching them and commits their positions (through commitOffsets,
   * which still works for them here), then runs the user's callback.
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void>;
  /** Newly added partitions, after SyncGroup (called on every completed rebalance, maybe with none). */
  onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void>;
  /** Partitions lost without a clean revoke (session timeout, fenced generation, poll timeout): no commit is possible. */
  onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void>;
}

export interface GenerationInfo {
  /** -1 when the member has no generation. */
  readonly generationId: number;
  /** '' before the first join and after the member id was reset. */
  readonly memberId: string;
  /** The assignor the group uses, or null. */
  readonly protocol: string | null;
  readonly isLeader: boolean;
}

/** unjoined: no generation; joining: JoinGroup under way; syncing: SyncGroup under way; stable: member with an assignment. */
export type MemberState = 'unjoined' | 'joining' | 'syncing' | 'stable';

interface OwnedPartition {
  readonly tp: TopicPartition;
  /** Changes whenever the partition is (re)assigned: tells a commit whether ownership was continuous. */
  readonly token: number;
}

type RetryAction = 'now' | 'backoff' | 'stop';

/** Consecutive immediate rejoins before the retry backoff applies anyway. */
const MAX_IMMEDIATE_REJOINS = 3;
/** Java adds this to the rebalance timeout for the JoinGroup request timeout. */
const JOIN_TIMEOUT_LAPSE_MS = 5000;
/** MEMBER_ID_REQUIRED answers in a row before the join counts as failed (a coordinator asks once). */
const MAX_MEMBER_ID_REQUESTS = 3;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
/** INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID, GROUP_AUTHORIZATION_FAILED: a new round cannot help. */
const SYNC_GROUP_FATAL_CODES: ReadonlySet<number> = new Set([23, 24, 30]);

function normalizeTopics(topics: readonly string[]): string[] {
  return [...new Set(topics)].sort();
}

function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((topic, index) => topic === b[index]);
}

function describe(partitions: readonly TopicPartition[]): string {
  return partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ');
}

export class GroupMembership {
  readonly options: ResolvedMembershipOptions;
  readonly rebalanceProtocol: RebalanceProtocol;
  private readonly coordinator: CoordinatorKey;
  private readonly heartbeat: HeartbeatLoop;

  private state: MemberState = 'unjoined';
  private generationId = -1;
  private memberId = '';
  private protocolName: string | null = null;
  private leader = false;
  private readonly owned = new Map<string, OwnedPartition>();
  private ownershipTokens = 0;
  /** Why the member must (re)join; null when it need not. */
  private rejoinReason: string | null = 'initial join';
  private needsJoinPrepare = true;
  /** An assignment was applied in the current generation line (cleared when the generation is reset). */
  private holdsAssignment = false;
  private joinedTopics: string[] = [];
  /** The leader's snapshot of the partition counts of every member's topics. */
  private leaderSnapshot: Map<string, number> | null = null;

  private loop: Promise<void> | null = null;
  private loopAbort: AbortController | null = null;
  /** A join failure the next ensureActive throws; no background rejoin until then. */
  private joinError: KafkaError | null = null;
  /** A failed host callback, thrown by the next ensureActive (the rebalance itself went on). */
  private callbackError: KafkaError | null = null;
  private fatalError: KafkaError | null = null;

  private started = false;
  private closing = false;
  private closed = false;
  private closePromise: Promise<void> | null = null;
  private leaving: Promise<void> | null = null;
  private pollTimedOut = false;
  private readonly pollWatch: PollIntervalWatch;
  private activeWaiters = 0;
  private callbackDepth = 0;
  private changeWaiters: (() => void)[] = [];
  private commitChain: Promise<void> = Promise.resolve();
  private readonly commitView: CommitView;

  constructor(
    private readonly cluster: Cluster,
    options: MembershipOptions,
    private readonly host: MembershipHost,
  ) {
    this.options = resolveMembershipOptions(options);
    this.rebalanceProtocol = this.options.rebalanceProtocol;
    this.coordinator = groupCoordinator(this.options.groupId);
    this.heartbeat = new HeartbeatLoop(
      {
        heartbeatIdentity: () => this.heartbeatIdentity(),
        // A heartbeat unanswered for a session is worthless: the coordinator has dropped the member.
        sendHeartbeat: (identity, signal) =>
          sendHeartbeat(this.cluster, { groupId: this.options.groupId, groupInstanceId: this.options.groupInstanceId, ...identity }, { signal, timeoutMs: Math.min(this.options.requestTimeoutMs, this.options.sessionTimeoutMs) }),
        heartbeatSucceeded: () => this.checkForRejoin(),
        heartbeatFailed: (identity, error) => this.heartbeatFailed(identity, error),
      },
      { intervalMs: this.options.heartbeatIntervalMs, retryBackoffMs: this.options.retryBackoffMs, retryBackoffMaxMs: this.cluster.options.retryBackoffMaxMs },
    );
    this.commitView = this.createCommitView();
    this.pollWatch = new PollIntervalWatch(this.options.rebalanceTimeoutMs, () => this.activeWaiters > 0, () => this.pollIntervalExpired());
  }

  /** The member as commits see it: getters over its live state. */
  private createCommitView(): CommitView {
    // Getters of an object literal cannot reach the member through `this`.
    const member = this;
    return {
      groupId: this.options.groupId,
      groupInstanceId: this.options.groupInstanceId,
      coordinator: this.coordinator,
      defaultApiTimeoutMs: this.options.defaultApiTimeoutMs,
      get fatalError() {
        return member.fatalError;
      },
      get syncing() {
        return member.state === 'syncing';
      },
      get generationId() {
        return member.generationId;
      },
      get memberId() {
        return member.memberId;
      },
      get rebalanceRunning() {
        return member.loop !== null;
      },
      get callbackRunning() {
        return member.callbackDepth > 0;
      },
      get rejoinReason() {
        return member.rejoinReason;
      },
      ownershipToken: (key) => this.owned.get(key)?.token,
      resetGeneration: (resetMemberId, reason) => this.resetGeneration(resetMemberId, reason),
      failFatally: (error) => this.failFatally(error),
      rejoinIfStable: (reason) => {
        if (this.state === 'stable') this.requestRejoin(reason);
      },
      nextChange: (signal) => this.nextChange(signal),
    };
  }

  // ---- what the consumer reads ----

  get rebalanceInProgress(): boolean {
    return this.rejoinReason !== null || this.state === 'joining' || this.state === 'syncing';
  }

  get memberState(): MemberState {
    return this.state;
  }

  /** The partitions currently owned, sorted. */
  assignment(): readonly TopicPartition[] {
    return this.ownedList();
  }

  private ownedList(): TopicPartition[] {
    return sortTopicPartitions([...this.owned.values()].map((entry) => entry.tp));
  }

  generation(): GenerationInfo {
    return { generationId: this.generationId, memberId: this.memberId, protocol: this.protocolName, isLeader: this.leader };
  }

  // ---- driving the membership ----

  /**
   * Joins if needed and waits until the member holds a usable assignment (see the module notes);
   * the signal aborts only the wait. Throws a failed join's error, a failed callback's error (once
   * each), a fatal error (FENCED_INSTANCE_ID, for ever), or `KafkaStateError` once closing.
   */
  async ensureActive(signal?: AbortSignal): Promise<void> {
    this.assertActive();
    if (signal?.aborted) throw abortError(signal);
    this.notePoll();
    if (this.leaving !== null) await raceSignal(this.leaving, signal);
    this.assertActive();
    this.pollTimedOut = false;
    this.started = true;
    this.pollWatch.arm();
    this.throwPendingError();
    this.checkForRejoin();
    this.activeWaiters++;
    try {
      for (;;) {
        this.assertActive();
        this.throwPendingError();
        if (!this.needsRejoin() && this.loop === null) return;
        if (this.leaving !== null) {
          await raceSignal(this.leaving, signal);
          continue;
        }
        this.startRebalance();
        if (this.loop === null) throw new KafkaStateError(`group ${this.options.groupId}: the member cannot rejoin now`);
        if (this.rebalanceProtocol === 'COOPERATIVE' && this.hasGeneration() && this.holdsAssignment) return;
        await this.nextChange(signal);
      }
    } finally {
      this.activeWaiters--;
      this.notePoll();
    }
  }

  /** The application polled now: restarts the max.poll.interval.ms clock. */
  notePoll(): void {
    this.pollWatch.notePoll();
  }

  /** Asks for a rebalance (the subscription or a subscribed topic's partition count changed). */
  requestRejoin(reason: string): void {
    if (this.closing || this.fatalError !== null) return;
    if (this.rejoinReason === null) this.options.logger.info('rejoining the group', { groupId: this.options.groupId, reason });
    this.rejoinReason ??= reason;
    this.notifyChange();
    this.startRebalance();
  }

  // ---- the rebalance loop ----

  private needsRejoin(): boolean {
    return this.rejoinReason !== null || this.state !== 'stable';
  }

  private hasGeneration(): boolean {
    return this.generationId >= 0 && this.memberId !== '';
  }

  private mayRebalance(): boolean {
    return this.started && !this.closing && !this.pollTimedOut && this.fatalError === null && this.joinError === null && this.leaving === null;
  }

  /** Starts the background rebalance loop unless it runs or must not run now. */
  private startRebalance(): void {
    if (this.loop !== null || !this.mayRebalance() || !this.needsRejoin()) return;
    const abort = new AbortController();
    this.loopAbort = abort;
    const loop = this.runRebalance(abort.signal).catch((error: unknown) => {
      // runRebalance handles its errors; this only guards against a bug becoming an unhandled rejection.
      this.joinError ??= error instanceof KafkaError ? error : new KafkaStateError(`group ${this.options.groupId}: ${String(error)}`);
    });
    this.loop = loop;
    void loop.finally(() => {
      if (this.loop === loop) this.loop = null;
      if (this.loopAbort === abort) this.loopAbort = null;
      this.notifyChange();
    });
  }

  private async runRebalance(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let immediate = 0;
    while (!signal.aborted && this.mayRebalance() && this.needsRejoin()) {
      let action: RetryAction;
      try {
        await this.rebalanceOnce(signal);
        failures = 0;
        immediate = 0;
        continue;
      } catch (error) {
        action = this.rebalanceFailed(error, signal);
      }
      if (action === 'stop') return;
      if (action === 'now' && ++immediate <= MAX_IMMEDIATE_REJOINS) continue;
      immediate = 0;
      failures++;
      try {
        await sleep(backoffDelay(this.options.retryBackoffMs, this.cluster.options.retryBackoffMaxMs, failures), signal);
      } catch {
        return;
      }
    }
  }

  /** One round: prepare (revoke or lose partitions), JoinGroup, assign if leader, SyncGroup, apply the assignment. */
  private async rebalanceOnce(signal: AbortSignal): Promise<void> {
    await this.prepareJoin();
    if (signal.aborted || !this.mayRebalance()) return;
    const topics = normalizeTopics(this.host.subscribedTopics());
    const reason = this.rejoinReason ?? 'rejoining';
    this.rejoinReason = null;
    this.joinedTopics = topics;
    this.heartbeat.stop();
    this.setState('joining');
    const joined = await this.joinGroup(topics, reason, signal);
    const protocolName = checkJoinedProtocol(this.options.groupId, joined, this.options.assignors);
    this.generationId = joined.generationId;
    this.memberId = joined.memberId;
    this.protocolName = protocolName;
    this.leader = joined.leader === joined.memberId;
    this.leaderSnapshot = null;
    this.setState('syncing');
    this.heartbeat.start();
    this.options.logger.info('joined the group', { groupId: this.options.groupId, generationId: joined.generationId, memberId: joined.memberId, leader: this.leader, protocol: protocolName });
    let assignments = new Map<string, Buffer>();
    let groupTopics: string[] | null = null;
    if (this.leader && !joined.skipAssignment) {
      const result = await assignAsLeader(this.cluster, this.assignorNamed(protocolName), this.rebalanceProtocol, joined.members, signal);
      assignments = result.assignments;
      groupTopics = result.groupTopics;
    }
    const bytes = await this.syncGroup(protocolName, assignments, signal);
    if (this.generationId !== joined.generationId || this.memberId !== joined.memberId) return; // fenced meanwhile: rejoin
    this.setState('stable');
    if (groupTopics !== null) this.leaderSnapshot = partitionCounts(this.cluster.metadata, groupTopics);
    await this.completeJoin(bytes, joined.generationId, protocolName);
  }

  /** JoinGroup, answering MEMBER_ID_REQUIRED (v4+) with a second request carrying the given id. */
  private async joinGroup(topics: string[], reason: string, signal: AbortSignal): Promise<JoinGroupResponse> {
    for (let memberIdRequests = 0; ; ) {
      const channel = await this.cluster.route({ coordinator: this.coordinator }, { signal, lane: JOIN_LANE });
      const protocols = joinGroupProtocols(this.options.assignors, {
        topics,
        ownedPartitions: this.rebalanceProtocol === 'COOPERATIVE' ? this.assignment() : [],
        generationId: this.generationId,
        rackId: this.options.clientRack,
      });
      const response = await sendJoinGroup(
        channel,
        {
          groupId: this.options.groupId,
          memberId: this.memberId,
          groupInstanceId: this.options.groupInstanceId,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
          rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
          protocols,
          reason,
        },
        { signal, timeoutMs: Math.max(this.options.requestTimeoutMs, this.options.rebalanceTimeoutMs + JOIN_TIMEOUT_LAPSE_MS) },
      );
      if (response.errorCode === MEMBER_ID_REQUIRED && ++memberIdRequests <= MAX_MEMBER_ID_REQUESTS) {
        this.memberId = response.memberId;
        continue;
      }
      if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode, { groupId: this.options.groupId, apiName: 'JoinGroup' });
      return response;
    }
  }

  private async syncGroup(protocolName: string, assignments: Map<string, Buffer>, signal: AbortSignal): Promise<Buffer> {
    const channel = await this.cluster.route({ coordinator: this.coordinator }, { signal, lane: JOIN_LANE });
    return sendSyncGroup(
      channel,
      {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId,
        protocolName,
        assignments,
      },
      { signal, timeoutMs: Math.max(this.options.requestTimeoutMs, this.options.rebalanceTimeoutMs + JOIN_TIMEOUT_LAPSE_MS) },
    );
  }

  private assignorNamed(name: string): PartitionAssignor {
    return this.options.assignors.find((assignor) => assignor.name === name)!;
  }

  /**
   * Before (re)joining: a member whose generation was reset has lost what it owned; otherwise,
   * once per rebalance, an eager member revokes everything and a cooperative one what it no
   * longer subscribes to.
   */
  private async prepareJoin(): Promise<void> {
    if (this.owned.size > 0 && !this.hasGeneration()) {
      const lost = this.ownedList();
      this.options.logger.info('partitions lost: the member is no longer part of the group', { groupId: this.options.groupId, partitions: describe(lost) });
      await this.invokeHost('lost', lost);
      this.owned.clear();
      this.needsJoinPrepare = false;
      return;
    }
    if (!this.needsJoinPrepare) return;
    this.needsJoinPrepare = false;
    if (this.rebalanceProtocol === 'EAGER') {
      if (this.owned.size === 0) return;
      const revoked = this.ownedList();
      await this.invokeHost('revoked', revoked);
      this.owned.clear();
      return;
    }
    const subscribed = new Set(this.host.subscribedTopics());
    const revoked = this.assignment().filter((tp) => !subscribed.has(tp.topic));
    if (revoked.length === 0) return;
    await this.invokeHost('revoked', revoked);
    for (const tp of revoked) this.owned.delete(topicPartitionKey(tp.topic, tp.partition));
  }

  /** Applies the assignment SyncGroup returned (see the module notes for the cooperative rules). */
  private async completeJoin(bytes: Buffer, generationId: number, protocolName: string): Promise<void> {
    const decoded = bytes.length === 0 ? { partitions: [], userData: null } : decodeAssignment(bytes);
    const unique = new Map(decoded.partitions.map((tp) => [topicPartitionKey(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition }]));
    const assigned = sortTopicPartitions(unique.values());
    this.needsJoinPrepare = true;
    const subscribed = new Set(this.host.subscribedTopics());
    const foreign = assigned.filter((tp) => !subscribed.has(tp.topic));
    if (foreign.length > 0) {
      // The subscription changed while the member was joining: rejoin with the current one.
      this.requestRejoin(`the assignment names topics no longer subscribed: ${describe(foreign)}`);
      return;
    }
    const assignor = this.assignorNamed(protocolName);
    let added: TopicPartition[];
    if (this.rebalanceProtocol === 'COOPERATIVE') {
      const changes = partitionChanges(this.assignment(), assigned);
      if (changes.revoked.length > 0) {
        await this.invokeHost('revoked', changes.revoked);
        for (const tp of changes.revoked) this.owned.delete(topicPartitionKey(tp.topic, tp.partition));
        // The revoked partitions can go to their new owners only in a further rebalance.
        this.requestRejoin(`cooperative rebalance revoked ${describe(changes.revoked)}`);
      }
      added = changes.added;
    } else {
      this.owned.clear();
      added = assigned;
    }
    this.callAssignor(assignor, { partitions: assigned, userData: decoded.userData }, generationId);
    for (const tp of added) this.owned.set(topicPartitionKey(tp.topic, tp.partition), { tp, token: ++this.ownershipTokens });
    this.options.logger.info('assignment received', { groupId: this.options.groupId, generationId, assigned: describe(assigned), added: describe(added) });
    await this.invokeHost('assigned', added);
    if (this.generationId === generationId) this.holdsAssignment = true;
  }

  private callAssignor(assignor: PartitionAssignor, assignment: { partitions: TopicPartition[]; userData: Buffer | null }, generationId: number): void {
    try {
      assignor.onAssignment?.(assignment, generationId);
    } catch (error) {
      this.recordCallbackError(`assignor '${assignor.name}' onAssignment`, error);
    }
  }

  /**
   * Decides what a failed round means, as Java's AbstractCoordinator: a reset member id or
   * generation and REBALANCE_IN_PROGRESS rejoin at once, coordinator and retriable errors after a
   * backoff, FENCED_INSTANCE_ID is fatal, anything else stops the loop and is thrown by the next
   * ensureActive (which then tries again).
   */
  private rebalanceFailed(error: unknown, signal: AbortSignal): RetryAction {
    if (signal.aborted) return 'stop';
    this.heartbeat.stop();
    this.setState(this.hasGeneration() ? 'joining' : 'unjoined');
    const message = error instanceof Error ? error.message : String(error);
    this.rejoinReason ??= `the last rebalance failed: ${message}`;
    this.options.logger.info('rebalance attempt failed', { groupId: this.options.groupId, error: message });
    if (error instanceof KafkaProtocolError) {
      switch (error.code) {
        case UNKNOWN_MEMBER_ID:
          this.resetGeneration(true, message);
          return 'now';
        case ILLEGAL_GENERATION:
          this.resetGeneration(false, message);
          return 'now';
        case REBALANCE_IN_PROGRESS:
          return 'now';
        case FENCED_INSTANCE_ID:
          this.failFatally(error);
          return 'stop';
        case COORDINATOR_NOT_AVAILABLE:
        case NOT_COORDINATOR:
          this.cluster.coordinators.invalidate(this.coordinator);
          return 'backoff';
      }
      if (error.retriable) return 'backoff';
      // librdkafka's mock answers a SyncGroup that arrives after the others completed with
      // INVALID_REQUEST; any such unexpected SyncGroup answer is worth a new round.
      if (error.location?.apiName === 'SyncGroup' && !SYNC_GROUP_FATAL_CODES.has(error.code)) return 'backoff';
    } else if (error instanceof KafkaConnectionError || error instanceof KafkaTimeoutError) {
      this.cluster.coordinators.invalidate(this.coordinator);
      return 'backoff';
    } else if (error instanceof KafkaAbortError) {
      return 'backoff';
    }
    this.joinError = error instanceof KafkaError ? error : new KafkaStateError(`group ${this.options.groupId}: ${message}`);
    this.options.logger.warn('joining the group failed', { groupId: this.options.groupId, error: this.joinError });
    return 'stop';
  }

  // ---- generation and state ----

  private setState(state: MemberState): void {
    if (this.state === state) return;
    this.state = state;
    this.notifyChange();
  }

  /** Forgets the generation (and the member id): what the member owns is lost, and it must rejoin. */
  private resetGeneration(resetMemberId: boolean, reason: string): void {
    this.generationId = -1;
    if (resetMemberId) this.memberId = '';
    this.protocolName = null;
    this.leader = false;
    this.leaderSnapshot = null;
    this.holdsAssignment = false;
    this.heartbeat.stop();
    this.state = 'unjoined';
    this.rejoinReason ??= reason;
    this.notifyChange();
    this.startRebalance();
  }

  private failFatally(error: KafkaError): void {
    if (this.fatalError !== null) return;
    this.fatalError = error;
    // What the member owned is lost (onPartitionsLost on close); it must never commit again.
    this.generationId = -1;
    this.memberId = '';
    this.holdsAssignment = false;
    this.state = 'unjoined';
    this.options.logger.error('the group member is fenced and can no longer be used', { groupId: this.options.groupId, error });
    this.heartbeat.stop();
    this.loopAbort?.abort();
    this.pollWatch.clear();
    this.notifyChange();
  }

  private assertActive(): void {
    if (this.fatalError !== null) throw this.fatalError;
    if (this.closing) throw new KafkaStateError(`group member of ${this.options.groupId} is closed`);
  }

  private throwPendingError(): void {
    const error = this.joinError ?? this.callbackError;
    if (error === null) return;
    if (error === this.joinError) this.joinError = null;
    else this.callbackError = null;
    throw error;
  }

  /** Rejoins when the subscription changed, or (leader) a group topic's partition count changed. */
  private checkForRejoin(): void {
    if (this.state === 'stable' && !sameTopics(normalizeTopics(this.host.subscribedTopics()), this.joinedTopics)) {
      this.requestRejoin('the subscription changed');
      return;
    }
    const snapshot = this.leaderSnapshot;
    if (snapshot === null) return;
    const now = partitionCounts(this.cluster.metadata, snapshot.keys());
    for (const [topic, count] of snapshot) {
      if (now.get(topic) !== count) {
        this.leaderSnapshot = null;
        this.requestRejoin(`the partitions of ${topic} changed (${count} -> ${now.get(topic)})`);
        return;
      }
    }
  }

  private notifyChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next state, generation or callback change (or when `signal` fires: rejects). */
  private nextChange(signal?: AbortSignal): Promise<void> {
    return raceSignal(new Promise<void>((resolve) => this.changeWaiters.push(resolve)), signal);
  }

  // ---- host callbacks ----

  private async invokeHost(kind: 'revoked' | 'assigned' | 'lost', partitions: TopicPartition[]): Promise<void> {
    this.callbackDepth++;
    // Commits waiting for the rebalance to progress must not wait through a callback.
    this.notifyChange();
    try {
      if (kind === 'revoked') await this.host.onPartitionsRevoked(partitions);
      else if (kind === 'assigned') await this.host.onPartitionsAssigned(partitions);
      else await this.host.onPartitionsLost(partitions);
    } catch (error) {
      this.recordCallbackError(`onPartitions${kind[0]!.toUpperCase()}${kind.slice(1)}`, error);
    } finally {
      this.callbackDepth--;
    }
  }

  private recordCallbackError(what: string, error: unknown): void {
    const wrapped =
      error instanceof KafkaError ? error : new KafkaRebalanceCallbackError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.options.logger.warn('a rebalance callback failed', { groupId: this.options.groupId, callback: what, error: wrapped });
    this.callbackError ??= wrapped;
  }

  // ---- heartbeats and the poll interval ----

  private heartbeatIdentity(): HeartbeatIdentity | null {
    if ((this.state !== 'stable' && this.state !== 'syncing') || !this.hasGeneration() || this.pollTimedOut || this.closed || this.fatalError !== null) return null;
    return { generationId: this.generationId, memberId: this.memberId };
  }

  private heartbeatFailed(identity: HeartbeatIdentity, error: KafkaError): void {
    // An answer about a generation the member has already left behind says nothing about the current one.
    if (identity.generationId !== this.generationId || identity.memberId !== this.memberId) return;
    if (error instanceof KafkaProtocolError) {
      switch (error.code) {
        case REBALANCE_IN_PROGRESS:
          // While syncing the coordinator may still be completing the join (librdkafka's mock says so).
          if (this.state === 'stable') this.requestRejoin('the group is rebalancing');
          return;
        case ILLEGAL_GENERATION:
          this.resetGeneration(false, 'the heartbeat was answered ILLEGAL_GENERATION');
          return;
        case UNKNOWN_MEMBER_ID:
          this.resetGeneration(true, 'the heartbeat was answered UNKNOWN_MEMBER_ID');
          return;
        case FENCED_INSTANCE_ID:
          this.failFatally(error);
          return;
        case COORDINATOR_NOT_AVAILABLE:
        case NOT_COORDINATOR:
          this.cluster.coordinators.invalidate(this.coordinator);
          return;
      }
    } else if (error instanceof KafkaConnectionError || error instanceof KafkaTimeoutError) {
      this.cluster.coordinators.invalidate(this.coordinator);
    }
    this.options.logger.debug('heartbeat failed', { groupId: this.options.groupId, error });
  }

  private pollIntervalExpired(): void {
    if (this.closing || this.pollTimedOut || this.fatalError !== null || !this.started) return;
    this.options.logger.warn(
      'the application did not poll within maxPollIntervalMs: leaving the group; the next poll rejoins (consider a larger maxPollIntervalMs or smaller batches)',
      { groupId: this.options.groupId, maxPollIntervalMs: this.options.rebalanceTimeoutMs },
    );
    this.pollTimedOut = true;
    this.leaving = this.leaveAfterPollTimeout()
      .catch((error: unknown) => this.options.logger.warn('leaving after the poll interval failed', { groupId: this.options.groupId, error }))
      .finally(() => {
        this.leaving = null;
        this.notifyChange();
      });
  }

  private async leaveAfterPollTimeout(): Promise<void> {
    await this.stopLoop();
    const memberId = this.memberId;
    this.heartbeat.stop();
    this.resetGeneration(true, 'the poll interval expired');
    if (this.options.groupInstanceId === null && memberId !== '') await leaveGroup(this.cluster, this.options.groupId, memberId, 'the consumer poll timeout has expired', this.options.requestTimeoutMs, this.options.logger);
  }

  // ---- commits ----

  /**
   * Commits offsets with the member's generation (see `OffsetRequestOptions`). Fails with
   * `KafkaCommitFailedError` when the generation was fenced (the member rejoins) or some partitions
   * were revoked/lost meanwhile, `KafkaRebalanceInProgressError` when the coordinator refuses
   * commits during a rebalance and the commit cannot wait (it was made from a rebalance callback).
   * Retriable errors are retried within the deadline.
   */
  async commitOffsets(offsets: ReadonlyMap<string, CommittedOffset>, options: OffsetRequestOptions = {}): Promise<void> {
    const entries = validateOffsets(offsets);
    if (this.fatalError !== null) throw this.fatalError;
    if (this.closed) throw new KafkaStateError(`group member of ${this.options.groupId} is closed`);
    if (entries.length === 0) return;
    const run = this.commitChain.then(() => commitInOrder(this.cluster, this.commitView, entries, options));
    this.commitChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The group's committed offsets of `partitions` (keys from `topicPartitionKey`; null: none). */
  fetchCommittedOffsets(partitions: readonly TopicPartition[], options: OffsetRequestOptions = {}): Promise<Map<string, CommittedOffset | null>> {
    if (this.closed) return Promise.reject(new KafkaStateError(`group member of ${this.options.groupId} is closed`));
    return fetchCommittedOffsets(this.cluster, this.options.groupId, partitions, { ...options, defaultTimeoutMs: this.options.defaultApiTimeoutMs });
  }

  // ---- leaving ----

  /**
   * Gives up the partitions (onPartitionsRevoked while the generation is valid, else
   * onPartitionsLost), waits for commits under way, and leaves the group: LeaveGroup for a dynamic
   * member; a static member stays registered until its session times out, as in Java. A later
   * ensureActive joins again.
   */
  async leave(reason: string): Promise<void> {
    if (this.closed) return;
    if (this.leaving !== null) await this.leaving;
    const leaving = this.leaveGroup(reason);
    this.leaving = leaving;
    try {
      await leaving;
    } finally {
      if (this.leaving === leaving) this.leaving = null;
      this.notifyChange();
    }
  }

  /** Leaves (see `leave`) and stops every timer; commits fail from then on. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      this.pollWatch.clear();
      this.notifyChange();
      if (this.leaving !== null) await this.leaving;
      await this.leaveGroup('the consumer is closing');
      this.heartbeat.stop();
      this.loopAbort?.abort();
      this.closed = true;
      this.notifyChange();
    })();
    return this.closePromise;
  }

  private async leaveGroup(reason: string): Promise<void> {
    this.started = false;
    this.pollWatch.clear();
    await this.stopLoop();
    if (this.owned.size > 0) {
      const partitions = this.ownedList();
      await this.invokeHost(this.hasGeneration() ? 'revoked' : 'lost', partitions);
      this.owned.clear();
    }
    await this.commitChain;
    const memberId = this.memberId;
    this.heartbeat.stop();
    this.resetGeneration(true, reason);
    this.setState('unjoined');
    this.needsJoinPrepare = true;
    if (this.options.groupInstanceId === null && memberId !== '') await leaveGroup(this.cluster, this.options.groupId, memberId, reason, this.options.requestTimeoutMs, this.options.logger);
  }

  private async stopLoop(): Promise<void> {
    this.loopAbort?.abort();
    if (this.loop !== null) await this.loop;
  }


}
