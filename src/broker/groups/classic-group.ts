/**
 * The state of one classic consumer group (the JoinGroup/SyncGroup protocol): its members, their
 * supported protocols, leader, generation and state, plus the group's committed offsets. This
 * module holds data and the invariants between its parts; the rebalance steps that move a group
 * from state to state (and their timers) are in `rebalance.ts`.
 */
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { KafkaStateError } from '../../protocol/errors.js';
import { CommittedOffsets } from './offsets.js';
import type { ScheduledTask } from './scheduler.js';
import { subscribedTopicsOf } from './subscription.js';

export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const CLASSIC_GROUP_STATES: readonly ClassicGroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

/** Where a group may come from when it enters each state (Kafka's valid previous states). */
const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** The protocol type of Kafka consumers; groups of this type have parseable subscriptions. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** A member of the leader's JoinGroup answer. */
export interface JoinedMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

/** The answer to a JoinGroup, before it is shaped for the request's version. */
export interface JoinOutcome {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  readonly skipAssignment: boolean;
  readonly memberId: string;
  readonly members: readonly JoinedMember[];
}

/** The answer to a SyncGroup, before it is shaped for the request's version. */
export interface SyncOutcome {
  readonly errorCode: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** Someone waiting for a rebalance step to complete; settling twice has no effect. */
export interface Waiter<Outcome> {
  /** The API version of the waiting request (answers differ by version). */
  readonly version: number;
  settle(outcome: Outcome): void;
}

export function joinFailure(memberId: string, errorCode: number): JoinOutcome {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncFailure(errorCode: number): SyncOutcome {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberDetails {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
}

export class ClassicGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** In the member's order of preference; metadata copied out of the request frame. */
  protocols: readonly MemberProtocol[];
  assignment: Buffer = EMPTY_BYTES;
  joinWaiter: Waiter<JoinOutcome> | null = null;
  syncWaiter: Waiter<SyncOutcome> | null = null;
  /** Joined and not yet through a completed join phase: may expire while waiting to join. */
  isNew = false;
  heartbeatTimer: ScheduledTask | null = null;

  constructor(details: MemberDetails) {
    this.memberId = details.memberId;
    this.groupInstanceId = details.groupInstanceId;
    this.clientId = details.clientId;
    this.clientHost = details.clientHost;
    this.protocolType = details.protocolType;
    this.rebalanceTimeoutMs = details.rebalanceTimeoutMs;
    this.sessionTimeoutMs = details.sessionTimeoutMs;
    this.protocols = details.protocols;
  }

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  /** Whether the member may stay when its session timer fires (it is parked in a rebalance). */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((protocol, index) => {
      const own = this.protocols[index]!;
      return own.name === protocol.name && own.metadata.equals(protocol.metadata);
    });
  }

  metadataFor(protocolName: string): Buffer {
    const protocol = this.protocols.find((candidate) => candidate.name === protocolName);
    if (protocol === undefined) throw new KafkaStateError(`member ${this.memberId} does not support protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** The member's first choice among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((protocol) => candidates.has(protocol.name));
    if (choice === undefined) throw new KafkaStateError(`member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }

  settleJoin(outcome: JoinOutcome): boolean {
    const waiter = this.joinWaiter;
    if (waiter === null) return false;
    this.joinWaiter = null;
    waiter.settle(outcome);
    return true;
  }

  settleSync(outcome: SyncOutcome): boolean {
    const waiter = this.syncWaiter;
    if (waiter === null) return false;
    this.syncWaiter = null;
    waiter.settle(outcome);
    return true;
  }

  cancelHeartbeat(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
  }
}

function distinctNames(protocols: readonly MemberProtocol[]): Set<string> {
  return new Set(protocols.map((protocol) => protocol.name));
}

export class ClassicGroup {
  readonly groupId: string;
  state: ClassicGroupState = 'Empty';
  previousState: ClassicGroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Members in join order; the first remaining one becomes leader when the leader goes. */
  readonly members = new Map<string, ClassicGroupMember>();
  /** groupInstanceId -> memberId of the static members. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined, with their expiry timers. */
  readonly pendingMembers = new Map<string, ScheduledTask>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** A member joined during the initial rebalance delay, which then extends the delay. */
  newMemberAdded = false;
  joinTimer: ScheduledTask | null = null;
  syncTimer: ScheduledTask | null = null;
  /** Topics the consumer members subscribe to; null when unknown (not a consumer group, unparseable). */
  subscribedTopics: ReadonlySet<string> | null = null;
  readonly offsets = new CommittedOffsets();
  /** How many members list each protocol name (each member counted once per name). */
  private readonly protocolCounts = new Map<string, number>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(target: ClassicGroupState): void {
    if (!VALID_PREVIOUS_STATES[target].includes(this.state)) {
      throw new KafkaStateError(`group ${this.groupId} cannot move from ${this.state} to ${target}`);
    }
    this.previousState = this.state;
    this.state = target;
  }

  /** Stable, CompletingRebalance and Empty groups can start a rebalance. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get awaitingJoinCount(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.isAwaitingJoin) count++;
    return count;
  }

  hasAllMembersJoined(): boolean {
    return this.awaitingJoinCount === this.members.size && this.pendingMembers.size === 0;
  }

  /** The longest rebalance timeout of the members: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let longest = 0;
    for (const member of this.members.values()) longest = Math.max(longest, member.rebalanceTimeoutMs);
    return longest;
  }

  add(member: ClassicGroupMember, waiter: Waiter<JoinOutcome> | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new KafkaStateError(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member.protocols, 1);
    member.joinWaiter = waiter;
    this.dropPendingMember(member.memberId);
  }

  /**
   * Takes a member out: its timers stop, and a request it still has parked is answered
   * UNKNOWN_MEMBER_ID (the answer its next request would get), so that no caller waits forever.
   */
  remove(memberId: string): ClassicGroupMember | undefined {
    const member = this.members.get(memberId);
    if (member !== undefined) {
      this.members.delete(memberId);
      this.countProtocols(member.protocols, -1);
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
      member.cancelHeartbeat();
      member.settleJoin(joinFailure('', ErrorCode.UNKNOWN_MEMBER_ID));
      member.settleSync(syncFailure(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.dropPendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  dropPendingMember(memberId: string): void {
    this.pendingMembers.get(memberId)?.cancel();
    this.pendingMembers.delete(memberId);
  }

  /**
   * Whether the leader is among the members that rejoined; if not, the first member that did
   * becomes leader. False when nobody rejoined (or there is no leader at all).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin === true) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * A static member came back with a new member id: the old id is fenced (its parked requests
   * answered FENCED_INSTANCE_ID) and a member with the new id takes over everything else,
   * including its assignment and leadership.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (old === undefined) throw new KafkaStateError(`cannot replace unknown member ${oldMemberId} of group ${this.groupId}`);
    this.members.delete(oldMemberId);
    old.cancelHeartbeat();
    old.settleJoin(joinFailure(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
    old.settleSync(syncFailure(ErrorCode.FENCED_INSTANCE_ID));
    const replacement = new ClassicGroupMember({
      memberId: newMemberId,
      groupInstanceId,
      clientId: old.clientId,
      clientHost: old.clientHost,
      rebalanceTimeoutMs: old.rebalanceTimeoutMs,
      sessionTimeoutMs: old.sessionTimeoutMs,
      protocolType: old.protocolType,
      protocols: old.protocols,
    });
    replacement.assignment = old.assignment;
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    // The new id owes the SyncGroup the old one owed, if any.
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return replacement;
  }

  /** New protocols and timeouts from a rejoin; `waiter` parks the member until the join phase ends. */
  updateMember(member: ClassicGroupMember, details: Pick<MemberDetails, 'protocols' | 'rebalanceTimeoutMs' | 'sessionTimeoutMs'>, waiter: Waiter<JoinOutcome> | null): void {
    this.countProtocols(member.protocols, -1);
    member.protocols = details.protocols;
    this.countProtocols(member.protocols, 1);
    member.rebalanceTimeoutMs = details.rebalanceTimeoutMs;
    member.sessionTimeoutMs = details.sessionTimeoutMs;
    member.joinWaiter = waiter;
  }

  /**
   * 0 when `memberId` belongs to the group and matches `groupInstanceId` (when given); else
   * UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID when the instance id now belongs to another member.
   */
  validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * Whether a member with this protocol type and protocol names can be in the group: an empty
   * group takes any non-empty type and list; otherwise the type must match and at least one of
   * the names must be supported by every current member.
   */
  supportsProtocols(protocolType: string, protocolNames: ReadonlySet<string>): boolean {
    if (this.is('Empty')) return protocolType.length > 0 && protocolNames.size > 0;
    if (this.protocolType !== protocolType) return false;
    for (const name of protocolNames) {
      if ((this.protocolCounts.get(name) ?? 0) === this.members.size) return true;
    }
    return false;
  }

  /**
   * The protocol for the next generation: among the protocols every member supports, each member
   * votes for its most preferred one and the most votes win (ties: the earliest voted).
   */
  selectProtocol(): string {
    if (this.members.size === 0) throw new KafkaStateError(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.protocolCounts) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let winner = '';
    let most = 0;
    for (const [name, count] of votes) {
      if (count > most) {
        winner = name;
        most = count;
      }
    }
    return winner;
  }

  /** Next generation: CompletingRebalance with a selected protocol, or Empty when no member is left. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.transitionTo('Empty');
    }
    this.subscribedTopics = this.computeSubscribedTopics();
    this.pendingSyncMembers.clear();
  }

  /** Every member with its metadata for the selected protocol (what the leader assigns from). */
  currentMemberMetadata(): JoinedMember[] {
    const protocolName = this.protocolName;
    if (protocolName === null || this.is('PreparingRebalance') || this.is('Dead')) {
      throw new KafkaStateError(`group ${this.groupId} has no member metadata in state ${this.state}`);
    }
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadataFor(protocolName),
    }));
  }

  /** Uses the consumer protocol: the coordinator can read its members' subscriptions. */
  usesConsumerGroupProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Whether committed offsets of `topic` are in use (OffsetDelete refuses to delete those). */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null ? this.usesConsumerGroupProtocol() : this.subscribedTopics.has(topic);
  }

  private computeSubscribedTopics(): ReadonlySet<string> | null {
    if (!this.usesConsumerGroupProtocol()) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const subscribed = subscribedTopicsOf(member.metadataFor(this.protocolName));
      if (subscribed === null) return null;
      for (const topic of subscribed) topics.add(topic);
    }
    return topics;
  }

  private countProtocols(protocols: readonly MemberProtocol[], delta: 1 | -1): void {
    for (const name of distinctNames(protocols)) {
      const count = (this.protocolCounts.get(name) ?? 0) + delta;
      if (count === 0) this.protocolCounts.delete(name);
      else this.protocolCounts.set(name, count);
    }
  }
}

export function protocolNamesOf(protocols: readonly MemberProtocol[]): Set<string> {
  return distinctNames(protocols);
}
