/**
 * The classic group protocol's rebalance steps, as Kafka's group coordinator runs them: JoinGroup
 * (with KIP-394's MEMBER_ID_REQUIRED and KIP-345's static members), the join phase and its
 * rebalance timeout, SyncGroup, heartbeats and session timeouts, LeaveGroup.
 *
 * Requests that wait (JoinGroup until the join phase ends, SyncGroup until the leader's
 * assignment) park a `Waiter` on their member; every step that ends a wait settles it. Timers run
 * through the injected `Scheduler`, so tests move time by hand.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import {
  ClassicGroup,
  ClassicGroupMember,
  joinFailure,
  protocolNamesOf,
  syncFailure,
  type JoinOutcome,
  type MemberProtocol,
  type SyncOutcome,
  type Waiter,
} from './classic-group.js';
import type { Scheduler, ScheduledTask } from './scheduler.js';

export interface RebalanceConfig {
  /** Kafka's group.initial.rebalance.delay.ms: how long a new group waits for more members. */
  readonly initialRebalanceDelayMs: number;
  /** Kafka's group.max.size; also bounds the member ids handed out and not yet used. */
  readonly groupMaxSize: number;
  /** How long a new member may wait in a join phase before it is dropped (Kafka: 5 minutes). */
  readonly newMemberJoinTimeoutMs: number;
}

export interface JoinParams {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  /** Metadata already copied out of the request frame. */
  readonly protocols: readonly MemberProtocol[];
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  /** JoinGroup v4+: a first join without member id gets one back with MEMBER_ID_REQUIRED. */
  readonly requireKnownMemberId: boolean;
  /** JoinGroup v9+: a replaced static leader is told to skip the assignment. */
  readonly supportsSkippingAssignment: boolean;
}

export interface SyncParams {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignments: ReadonlyArray<{ readonly memberId: string; readonly assignment: Buffer }>;
}

export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface LeaveResult extends LeavingMember {
  readonly errorCode: number;
}

/** Runs a timer task; the coordinator wraps tasks so that a failure in one is reported, not thrown into the event loop. */
export type TaskGuard = (task: () => void) => () => void;

export class RebalanceEngine {
  private readonly scheduler: Scheduler;
  private readonly config: RebalanceConfig;
  private readonly guard: TaskGuard;

  constructor(scheduler: Scheduler, config: RebalanceConfig, guard: TaskGuard) {
    this.scheduler = scheduler;
    this.config = config;
    this.guard = guard;
  }

  // ------------------------------------------------------------------ JoinGroup

  join(group: ClassicGroup, params: JoinParams, waiter: Waiter<JoinOutcome>): void {
    if (!this.acceptJoiningMember(group, params.memberId)) {
      group.remove(params.memberId);
      waiter.settle(joinFailure('', ErrorCode.GROUP_MAX_SIZE_REACHED));
      this.maybeCompleteJoinPhase(group);
    } else if (params.memberId === '') {
      this.joinNewMember(group, params, waiter);
    } else {
      this.joinExistingMember(group, params, waiter);
    }
  }

  /**
   * Kafka's admission rule: while members rejoin, those already waiting plus new ones are counted
   * against the maximum (so a lowered maximum sheds the last rejoiners); otherwise current members
   * are always let back in and new ones only below the maximum.
   */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return group.members.get(memberId)?.isAwaitingJoin === true || group.awaitingJoinCount < this.config.groupMaxSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.members.has(memberId) || group.members.size < this.config.groupMaxSize;
    }
  }

  private joinNewMember(group: ClassicGroup, params: JoinParams, waiter: Waiter<JoinOutcome>): void {
    if (group.is('Dead')) {
      waiter.settle(joinFailure('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(params.protocolType, protocolNamesOf(params.protocols))) {
      waiter.settle(joinFailure('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = `${params.groupInstanceId ?? params.clientId}-${randomUUID()}`;
    if (params.groupInstanceId !== null) {
      const existingMemberId = group.staticMembers.get(params.groupInstanceId);
      if (existingMemberId !== undefined) {
        this.replaceStaticMember(group, params, existingMemberId, newMemberId, waiter);
      } else {
        this.addMemberThenRebalanceOrCompleteJoin(group, params, newMemberId, waiter);
      }
    } else if (params.requireKnownMemberId) {
      if (group.pendingMembers.size >= this.config.groupMaxSize) {
        waiter.settle(joinFailure('', ErrorCode.GROUP_MAX_SIZE_REACHED));
        return;
      }
      // The id is remembered for a session timeout; a member that never comes back with it expires.
      group.pendingMembers.set(newMemberId, this.after(params.sessionTimeoutMs, () => this.expireHeartbeat(group, newMemberId)));
      waiter.settle(joinFailure(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberThenRebalanceOrCompleteJoin(group, params, newMemberId, waiter);
    }
  }

  private joinExistingMember(group: ClassicGroup, params: JoinParams, waiter: Waiter<JoinOutcome>): void {
    const { memberId } = params;
    if (group.is('Dead')) {
      waiter.settle(joinFailure(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(params.protocolType, protocolNamesOf(params.protocols))) {
      waiter.settle(joinFailure(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.isPendingMember(memberId)) {
      // Pending ids are only ever handed to dynamic members; Kafka fails such a request as a server error.
      if (params.groupInstanceId !== null) waiter.settle(joinFailure(memberId, ErrorCode.UNKNOWN_SERVER_ERROR));
      else this.addMemberThenRebalanceOrCompleteJoin(group, params, memberId, waiter);
      return;
    }
    const memberError = group.validateMember(memberId, params.groupInstanceId);
    const member = group.members.get(memberId);
    if (memberError !== ErrorCode.NONE || member === undefined) {
      waiter.settle(joinFailure(memberId, memberError || ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        this.updateMemberThenRebalanceOrCompleteJoin(group, member, params, waiter);
        return;
      case 'CompletingRebalance':
        if (member.matches(params.protocols)) {
          // Probably a retry after a lost JoinGroup answer: answer it again for this generation.
          waiter.settle(this.generationOutcome(group, memberId, group.isLeader(memberId) ? group.currentMemberMetadata() : []));
        } else {
          this.updateMemberThenRebalanceOrCompleteJoin(group, member, params, waiter);
        }
        return;
      case 'Stable':
        // A leader's rejoin always rebalances: that is how it asks for a new assignment when
        // something outside the members' metadata changed (e.g. a topic gained partitions).
        if (group.isLeader(memberId) || !member.matches(params.protocols)) {
          this.updateMemberThenRebalanceOrCompleteJoin(group, member, params, waiter);
        } else {
          waiter.settle(this.generationOutcome(group, memberId, []));
        }
        return;
      case 'Empty':
      case 'Dead':
        waiter.settle(joinFailure(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** A successful JoinGroup answer in the group's current generation. */
  private generationOutcome(
    group: ClassicGroup,
    memberId: string,
    members: JoinOutcome['members'],
    leader = group.leaderId ?? '',
    skipAssignment = false,
  ): JoinOutcome {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader,
      skipAssignment,
      memberId,
      members,
    };
  }

  private addMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, params: JoinParams, memberId: string, waiter: Waiter<JoinOutcome>): void {
    const member = new ClassicGroupMember({
      memberId,
      groupInstanceId: params.groupInstanceId,
      clientId: params.clientId,
      clientHost: params.clientHost,
      rebalanceTimeoutMs: params.rebalanceTimeoutMs,
      sessionTimeoutMs: params.sessionTimeoutMs,
      protocolType: params.protocolType,
      protocols: params.protocols,
    });
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, waiter);
    // A new member cannot heartbeat while its JoinGroup is parked, and a client that gave up and
    // retried would leave a defunct member behind: new members therefore expire after a while.
    this.scheduleHeartbeatExpiry(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, member: ClassicGroupMember, params: JoinParams, waiter: Waiter<JoinOutcome>): void {
    this.supersedeJoin(member);
    group.updateMember(member, params, waiter);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  /** A member rejoined while its previous JoinGroup was still parked: that older request is answered now. */
  private supersedeJoin(member: ClassicGroupMember): void {
    member.settleJoin(joinFailure(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  }

  private replaceStaticMember(group: ClassicGroup, params: JoinParams, oldMemberId: string, newMemberId: string, waiter: Waiter<JoinOutcome>): void {
    const instanceId = params.groupInstanceId ?? '';
    const leaderBefore = group.leaderId ?? '';
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs);
    group.updateMember(member, params, waiter);

    switch (group.state) {
      case 'Stable':
        // Same selected protocol: the restarted instance takes its old place (and assignment)
        // without a rebalance. Otherwise the group must rebalance onto the new protocol.
        if (group.selectProtocol() === group.protocolName) {
          this.answerReplacedStaticMember(group, member, params, leaderBefore);
        } else {
          this.maybePrepareRebalanceOrCompleteJoin(group);
        }
        return;
      case 'CompletingRebalance':
        // The leader may be assigning with the old member id right now; its assignment would
        // miss the new id, so the group rebalances.
        this.prepareRebalance(group);
        return;
      default:
        this.maybeCompleteJoinPhase(group);
    }
  }

  private answerReplacedStaticMember(group: ClassicGroup, member: ClassicGroupMember, params: JoinParams, leaderBefore: string): void {
    if (params.supportsSkippingAssignment) {
      // v9+: a replaced leader learns it leads but must not reassign (the group is stable).
      const isLeader = group.isLeader(member.memberId);
      member.settleJoin(this.generationOutcome(group, member.memberId, isLeader ? group.currentMemberMetadata() : [], group.leaderId ?? '', isLeader));
    } else {
      // Older clients would run an assignment if told they lead, and a stable group would never
      // deliver it: they are given the previous leader id so that they act as followers.
      member.settleJoin(this.generationOutcome(group, member.memberId, [], leaderBefore));
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.canRebalance()) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  /** Completes the join phase once everyone rejoined, except in a new group's initial delay. */
  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.previousState === 'Empty' || !group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  private prepareRebalance(group: ClassicGroup): void {
    if (group.is('CompletingRebalance')) {
      // Members waiting for the leader's assignment learn that a new rebalance replaced it.
      for (const member of group.members.values()) member.assignment = Buffer.alloc(0);
      this.propagateAssignment(group, ErrorCode.REBALANCE_IN_PROGRESS);
    }
    this.cancelSyncExpiry(group);
    const isInitialRebalance = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    if (isInitialRebalance) {
      const delayMs = this.config.initialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.setJoinTimer(group, delayMs, () => this.tryCompleteInitialRebalance(group, delayMs, remainingMs));
    } else if (group.hasAllMembersJoined()) {
      this.completeJoin(group);
    } else {
      this.setJoinTimer(group, group.rebalanceTimeoutMs(), () => this.completeJoin(group));
    }
  }

  /** The initial delay restarts (up to the rebalance timeout) as long as members keep arriving. */
  private tryCompleteInitialRebalance(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const nextDelayMs = Math.min(this.config.initialRebalanceDelayMs, remainingMs);
      const nextRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.setJoinTimer(group, nextDelayMs, () => this.tryCompleteInitialRebalance(group, nextDelayMs, nextRemainingMs));
    } else {
      this.completeJoin(group);
    }
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped (static ones keep their
   * place), a leader is picked among those that rejoined, and the next generation starts. If
   * nobody rejoined, the phase is extended until session timeouts clear the group.
   */
  private completeJoin(group: ClassicGroup): void {
    this.cancelJoinTimer(group);
    for (const member of [...group.members.values()]) {
      if (!member.isAwaitingJoin && member.groupInstanceId === null) group.remove(member.memberId);
    }
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      this.setJoinTimer(group, group.rebalanceTimeoutMs(), () => this.completeJoin(group));
      return;
    }
    group.initNextGeneration();
    if (group.is('Empty')) return;
    const leaderMembers = group.currentMemberMetadata();
    for (const member of group.members.values()) {
      const isLeader = group.isLeader(member.memberId);
      member.settleJoin(this.generationOutcome(group, member.memberId, isLeader ? leaderMembers : []));
      this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generationId = group.generationId;
    group.syncTimer?.cancel();
    group.syncTimer = this.after(group.rebalanceTimeoutMs(), () => this.expirePendingSync(group, generationId));
  }

  /** Members that never sent SyncGroup for the generation are dropped, and the group rebalances. */
  private expirePendingSync(group: ClassicGroup, generationId: number): void {
    group.syncTimer = null;
    if (generationId !== group.generationId) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) group.remove(memberId);
    this.prepareRebalance(group);
  }

  private cancelSyncExpiry(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    group.syncTimer?.cancel();
    group.syncTimer = null;
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(group: ClassicGroup, params: SyncParams, waiter: Waiter<SyncOutcome>): void {
    const error = this.validateSync(group, params);
    if (error !== ErrorCode.NONE) {
      waiter.settle(syncFailure(error));
      return;
    }
    const member = group.members.get(params.memberId);
    if (member === undefined) {
      waiter.settle(syncFailure(ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        waiter.settle(syncFailure(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      case 'CompletingRebalance':
        member.settleSync(syncFailure(ErrorCode.REBALANCE_IN_PROGRESS));
        member.syncWaiter = waiter;
        this.markSynced(group, member.memberId);
        if (group.isLeader(member.memberId)) this.applyLeaderAssignment(group, params);
        return;
      case 'Stable':
        this.markSynced(group, member.memberId);
        waiter.settle({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
        return;
      default:
        waiter.settle(syncFailure(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private validateSync(group: ClassicGroup, params: SyncParams): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = group.validateMember(params.memberId, params.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (params.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (isInconsistent(params.protocolType, group.protocolType) || isInconsistent(params.protocolName, group.protocolName)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return ErrorCode.NONE;
  }

  private markSynced(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) {
      group.syncTimer?.cancel();
      group.syncTimer = null;
    }
  }

  /** The leader's assignment goes to every member (empty for members it left out); the group is stable. */
  private applyLeaderAssignment(group: ClassicGroup, params: SyncParams): void {
    const byMember = new Map<string, Buffer>();
    for (const { memberId, assignment } of params.assignments) byMember.set(memberId, assignment);
    for (const member of group.members.values()) {
      const assignment = byMember.get(member.memberId);
      // Copied: the request frame's buffer must not be kept alive by a stored assignment.
      member.assignment = assignment === undefined ? Buffer.alloc(0) : Buffer.from(assignment);
    }
    this.propagateAssignment(group, ErrorCode.NONE);
    group.transitionTo('Stable');
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const succeeded = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const answered = member.settleSync({
        errorCode,
        protocolType: succeeded ? group.protocolType : null,
        protocolName: succeeded ? group.protocolName : null,
        assignment: member.assignment,
      });
      // The session restarts once the member has its answer: it could not heartbeat reliably while parked.
      if (answered) this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs);
    }
  }

  // ------------------------------------------------------------------ Heartbeat, commits

  heartbeat(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = group.validateMember(memberId, groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(memberId);
    if (member === undefined || group.is('Empty')) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs);
    // During CompletingRebalance members may heartbeat between their JoinGroup answer and SyncGroup.
    return group.is('PreparingRebalance') ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** An offset commit from a member of a Stable or rebalancing group also keeps its session alive. */
  touchMember(group: ClassicGroup, memberId: string): void {
    if (!(group.is('Stable') || group.is('PreparingRebalance'))) return;
    const member = group.members.get(memberId);
    if (member !== undefined) this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs);
  }

  private scheduleHeartbeatExpiry(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number): void {
    member.cancelHeartbeat();
    member.heartbeatTimer = this.after(timeoutMs, () => this.expireHeartbeat(group, member.memberId));
  }

  private expireHeartbeat(group: ClassicGroup, memberId: string): void {
    if (group.is('Dead')) return;
    if (group.isPendingMember(memberId)) {
      group.dropPendingMember(memberId);
      if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) this.completeJoin(group);
      return;
    }
    const member = group.members.get(memberId);
    if (member === undefined) return;
    member.heartbeatTimer = null;
    if (!member.hasSatisfiedHeartbeat()) this.removeMemberAndUpdateGroup(group, memberId);
  }

  private removeMemberAndUpdateGroup(group: ClassicGroup, memberId: string): void {
    group.remove(memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) {
      this.maybePrepareRebalanceOrCompleteJoin(group);
    } else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) {
      this.completeJoin(group);
    }
  }

  // ------------------------------------------------------------------ LeaveGroup

  /** Removes each member (by member id, or by instance id alone for administrative removal). */
  leave(group: ClassicGroup, leaving: readonly LeavingMember[]): LeaveResult[] {
    const results = leaving.map((identity): LeaveResult => ({ ...identity, errorCode: this.leaveOne(group, identity) }));
    if (results.some((result) => result.errorCode === ErrorCode.NONE)) {
      if (group.is('Stable') || group.is('CompletingRebalance')) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is('PreparingRebalance')) this.maybeCompleteJoinPhase(group);
    }
    return results;
  }

  private leaveOne(group: ClassicGroup, identity: LeavingMember): number {
    if (identity.memberId === '') {
      const staticMemberId = identity.groupInstanceId === null ? undefined : group.staticMembers.get(identity.groupInstanceId);
      if (staticMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      group.remove(staticMemberId);
      return ErrorCode.NONE;
    }
    if (group.isPendingMember(identity.memberId)) {
      group.dropPendingMember(identity.memberId);
      return ErrorCode.NONE;
    }
    const memberError = group.validateMember(identity.memberId, identity.groupInstanceId);
    if (memberError !== ErrorCode.NONE) return memberError;
    group.remove(identity.memberId);
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ lifecycle

  /** The group is gone (deleted, or the coordinator closed): timers stop, parked requests get `errorCode`. */
  shutDown(group: ClassicGroup, errorCode: number): void {
    this.cancelJoinTimer(group);
    this.cancelSyncExpiry(group);
    for (const memberId of [...group.pendingMembers.keys()]) group.dropPendingMember(memberId);
    for (const member of group.members.values()) {
      member.cancelHeartbeat();
      member.settleJoin(joinFailure(member.memberId, errorCode));
      member.settleSync(syncFailure(errorCode));
    }
    group.transitionTo('Dead');
  }

  private setJoinTimer(group: ClassicGroup, delayMs: number, task: () => void): void {
    this.cancelJoinTimer(group);
    group.joinTimer = this.after(delayMs, () => {
      group.joinTimer = null;
      task();
    });
  }

  private cancelJoinTimer(group: ClassicGroup): void {
    group.joinTimer?.cancel();
    group.joinTimer = null;
  }

  private after(delayMs: number, task: () => void): ScheduledTask {
    return this.scheduler.schedule(delayMs, this.guard(task));
  }
}

/** A SyncGroup's protocol type or name contradicts the group's (null on either side is no contradiction). */
function isInconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}
