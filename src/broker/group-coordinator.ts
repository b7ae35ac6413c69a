/**
 * The embedded broker's group coordinator: Kafka's classic consumer-group protocol (JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup; static membership; rebalance and session timeouts) and the
 * groups' committed offsets (OffsetCommit, OffsetFetch, OffsetDelete), plus DescribeGroups,
 * ListGroups and DeleteGroups.
 *
 * The broker core decodes a request, checks that it reached the coordinator broker, and calls the
 * method of its API with the decoded request and its version; the returned value is the response
 * to encode for that version. JoinGroup and SyncGroup answer when their rebalance step completes;
 * their AbortSignal fires when the client's connection closes.
 */
import type { Input } from '../protocol/api.js';
import { KafkaConfigError } from '../protocol/errors.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/generated/delete-groups.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from '../protocol/generated/describe-groups.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/generated/heartbeat.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/generated/join-group.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/generated/leave-group.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/generated/list-groups.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../protocol/generated/offset-commit.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/generated/offset-delete.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/generated/offset-fetch.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/generated/sync-group.js';
import { ClassicGroup, joinFailure, syncFailure, type Waiter } from './groups/classic-group.js';
import { commitOffsets, deleteOffsets, fetchOffsets, type OffsetRequestContext } from './groups/offset-requests.js';
import { RebalanceEngine, type LeavingMember } from './groups/rebalance.js';
import { joinGroupResponse, syncGroupResponse } from './groups/responses.js';
import { systemScheduler, type Scheduler } from './groups/scheduler.js';

export type { ClassicGroupState } from './groups/classic-group.js';
export { ManualScheduler, systemScheduler, type Scheduler, type ScheduledTask } from './groups/scheduler.js';

export interface GroupCoordinatorOptions {
  /** Is this a partition that exists (offset commits to unknown partitions fail like Kafka)? */
  partitionExists(topic: string, partition: number): boolean;
  /** Kafka's group.initial.rebalance.delay.ms (default 0 here: tests want fast joins). */
  initialRebalanceDelayMs?: number;
  /** Kafka's group.min.session.timeout.ms (default 6000, Kafka's). */
  minSessionTimeoutMs?: number;
  /** Kafka's group.max.session.timeout.ms (default 1800000, Kafka's). */
  maxSessionTimeoutMs?: number;
  /** Kafka's group.max.size: members per group (default 1000; Kafka's is unbounded). */
  groupMaxSize?: number;
  /** Groups the coordinator holds at most (default 10000); see `createGroup`. */
  maxGroups?: number;
  /** Kafka's offset.metadata.max.bytes (default 4096). */
  offsetMetadataMaxBytes?: number;
  /** How long a new member may wait for a join phase to end (Kafka: 300000). */
  newMemberJoinTimeoutMs?: number;
  /** Clock and timers; `ManualScheduler` lets tests move time by hand. Default: real time. */
  scheduler?: Scheduler;
  /**
   * Called when a timer task (session expiry, rebalance timeout) fails, which means a bug in the
   * coordinator. Default: a process warning, so that a test process is not brought down.
   */
  onTaskError?: (error: unknown) => void;
}

/** What Kafka answers in DescribeGroups v3+ for the operations on a group when no authorizer is set. */
export const GROUP_AUTHORIZED_OPERATIONS =
  (1 << 3) /* READ */ | (1 << 6) /* DELETE */ | (1 << 8) /* DESCRIBE */ | (1 << 10) /* DESCRIBE_CONFIGS */ | (1 << 11); /* ALTER_CONFIGS */

const CLASSIC_GROUP_TYPE = 'classic';

interface ResolvedOptions {
  readonly initialRebalanceDelayMs: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly maxGroups: number;
  readonly offsetMetadataMaxBytes: number;
  readonly newMemberJoinTimeoutMs: number;
}

function resolveOptions(options: GroupCoordinatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0,
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6_000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1_800_000,
    groupMaxSize: options.groupMaxSize ?? 1_000,
    maxGroups: options.maxGroups ?? 10_000,
    offsetMetadataMaxBytes: options.offsetMetadataMaxBytes ?? 4_096,
    newMemberJoinTimeoutMs: options.newMemberJoinTimeoutMs ?? 300_000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new KafkaConfigError(`group coordinator option ${name} must be a non-negative integer, got ${value}`);
  }
  if (resolved.minSessionTimeoutMs > resolved.maxSessionTimeoutMs) {
    throw new KafkaConfigError(`minSessionTimeoutMs (${resolved.minSessionTimeoutMs}) exceeds maxSessionTimeoutMs (${resolved.maxSessionTimeoutMs})`);
  }
  if (resolved.groupMaxSize < 1 || resolved.maxGroups < 1) throw new KafkaConfigError('groupMaxSize and maxGroups must be at least 1');
  if (typeof options.partitionExists !== 'function') throw new KafkaConfigError('group coordinator needs a partitionExists function');
  return resolved;
}

export class GroupCoordinator {
  private readonly options: ResolvedOptions;
  private readonly scheduler: Scheduler;
  private readonly partitionExists: (topic: string, partition: number) => boolean;
  private readonly engine: RebalanceEngine;
  private readonly groups = new Map<string, ClassicGroup>();
  private readonly offsetContext: OffsetRequestContext;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.options = resolveOptions(options);
    this.scheduler = options.scheduler ?? systemScheduler;
    this.partitionExists = options.partitionExists;
    const onTaskError = options.onTaskError ?? ((error: unknown) => process.emitWarning(`kafkats group coordinator timer task failed: ${String(error)}`));
    this.engine = new RebalanceEngine(this.scheduler, this.options, (task) => () => {
      try {
        task();
      } catch (error) {
        onTaskError(error);
      }
    });
    this.offsetContext = {
      findGroup: (groupId) => this.groups.get(groupId),
      createGroup: (groupId) => this.createGroup(groupId),
      partitionExists: (topic, partition) => this.partitionExists(topic, partition),
      now: () => this.scheduler.now(),
      offsetMetadataMaxBytes: this.options.offsetMetadataMaxBytes,
      touchMember: (group, memberId) => this.engine.touchMember(group, memberId),
    };
  }

  // ------------------------------------------------------------------ membership

  joinGroup(
    request: JoinGroupRequest,
    version: number,
    client: { clientId: string; clientHost: string },
    signal: AbortSignal,
  ): Promise<Input<JoinGroupResponse>> {
    const immediate = (errorCode: number): Promise<Input<JoinGroupResponse>> =>
      Promise.resolve(joinGroupResponse(joinFailure(request.memberId, errorCode), version));
    if (this.closed || signal.aborted) return immediate(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === '') return immediate(ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < this.options.minSessionTimeoutMs || request.sessionTimeoutMs > this.options.maxSessionTimeoutMs) {
      return immediate(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    let group = this.groups.get(request.groupId);
    if (group === undefined) {
      // Only a first join (no member id) creates a group; a member id for a missing group is stale.
      if (request.memberId !== '') return immediate(ErrorCode.UNKNOWN_MEMBER_ID);
      group = this.createGroup(request.groupId) ?? undefined;
      if (group === undefined) return immediate(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const { waiter, response } = park(version, signal, joinGroupResponse, joinFailure(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    try {
      this.engine.join(
        group,
        {
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          protocolType: request.protocolType,
          // Copied: a member's metadata outlives the request frame it arrived in.
          protocols: request.protocols.map((protocol) => ({ name: protocol.name, metadata: Buffer.from(protocol.metadata) })),
          sessionTimeoutMs: request.sessionTimeoutMs,
          // JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout.
          rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : Math.max(request.rebalanceTimeoutMs, 0),
          clientId: client.clientId,
          clientHost: client.clientHost,
          requireKnownMemberId: version >= 4,
          supportsSkippingAssignment: version >= 9,
        },
        waiter,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return response;
  }

  syncGroup(request: SyncGroupRequest, version: number, signal: AbortSignal): Promise<Input<SyncGroupResponse>> {
    const immediate = (errorCode: number): Promise<Input<SyncGroupResponse>> => Promise.resolve(syncGroupResponse(syncFailure(errorCode), version));
    if (this.closed || signal.aborted) return immediate(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // From v5 the client must say which protocol it synchronises (KIP-559).
    if (version >= 5 && (request.protocolType === null || request.protocolName === null)) return immediate(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (request.groupId === '') return immediate(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(request.groupId);
    if (group === undefined || group.is('Empty')) return immediate(ErrorCode.UNKNOWN_MEMBER_ID);
    const { waiter, response } = park(version, signal, syncGroupResponse, syncFailure(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    try {
      this.engine.sync(
        group,
        {
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          generationId: request.generationId,
          protocolType: request.protocolType,
          protocolName: request.protocolName,
          assignments: request.assignments,
        },
        waiter,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return response;
  }

  heartbeat(request: HeartbeatRequest, _version: number): Input<HeartbeatResponse> {
    const answer = (errorCode: number): Input<HeartbeatResponse> => ({ throttleTimeMs: 0, errorCode });
    if (this.closed) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === '') return answer(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(request.groupId);
    if (group === undefined) return answer(ErrorCode.UNKNOWN_MEMBER_ID);
    return answer(this.engine.heartbeat(group, request.memberId, request.groupInstanceId, request.generationId));
  }

  /** v0-2 name one member (its error is the top-level error); v3+ a batch with an error each. */
  leaveGroup(request: LeaveGroupRequest, version: number): Input<LeaveGroupResponse> {
    const leaving: LeavingMember[] =
      version >= 3
        ? request.members.map((member) => ({ memberId: member.memberId, groupInstanceId: member.groupInstanceId }))
        : [{ memberId: request.memberId, groupInstanceId: null }];
    const shaped = (errorCode: number, results: ReadonlyArray<LeavingMember & { errorCode: number }>): Input<LeaveGroupResponse> => {
      if (version >= 3) return { throttleTimeMs: 0, errorCode, members: results.map((result) => ({ ...result })) };
      return { throttleTimeMs: 0, errorCode: errorCode || (results.find((result) => result.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE) };
    };
    if (this.closed) return shaped(ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
    if (request.groupId === '') return shaped(ErrorCode.INVALID_GROUP_ID, []);
    const group = this.groups.get(request.groupId);
    if (group === undefined) return shaped(ErrorCode.NONE, leaving.map((member) => ({ ...member, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })));
    return shaped(ErrorCode.NONE, this.engine.leave(group, leaving));
  }

  // ------------------------------------------------------------------ offsets

  offsetCommit(request: OffsetCommitRequest, version: number): Input<OffsetCommitResponse> {
    if (this.closed) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map(({ partitionIndex }) => ({ partitionIndex, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })),
        })),
      };
    }
    return commitOffsets(this.offsetContext, request, version);
  }

  offsetFetch(request: OffsetFetchRequest, version: number): Input<OffsetFetchResponse> {
    return fetchOffsets(this.offsetContext, request, version, this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE);
  }

  offsetDelete(request: OffsetDeleteRequest, _version: number): Input<OffsetDeleteResponse> {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] };
    return deleteOffsets(this.offsetContext, request);
  }

  /** A deleted topic's committed offsets go with it, in every group (as Kafka does on partition deletion). */
  deleteTopicOffsets(topic: string): void {
    for (const group of this.groups.values()) group.offsets.deleteTopic(topic);
  }

  // ------------------------------------------------------------------ administration

  describeGroups(request: DescribeGroupsRequest, version: number): Input<DescribeGroupsResponse> {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => this.describeGroup(groupId, version, request.includeAuthorizedOperations)),
    };
  }

  private describeGroup(groupId: string, version: number, includeAuthorizedOperations: boolean): Input<DescribeGroupsResponseDescribedGroup> {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    // Member metadata is only meaningful once the group settled on a protocol.
    const stableProtocol = group.is('Stable') ? group.protocolName : null;
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stableProtocol ?? '',
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        ...(version >= 4 ? { groupInstanceId: member.groupInstanceId } : {}),
        clientId: member.clientId,
        clientHost: member.clientHost,
        memberMetadata: stableProtocol === null ? Buffer.alloc(0) : member.metadataFor(stableProtocol),
        memberAssignment: member.assignment,
      })),
      ...(version >= 3 && includeAuthorizedOperations ? { authorizedOperations: GROUP_AUTHORIZED_OPERATIONS } : {}),
    };
  }

  /** All groups, filtered by state (v4+, case-insensitive) and type (v5+; every group here is "classic"). */
  listGroups(request: ListGroupsRequest, version: number): Input<ListGroupsResponse> {
    if (this.closed) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const states = new Set((version >= 4 ? request.statesFilter : []).map((state) => state.trim().toLowerCase()));
    const types = new Set((version >= 5 ? request.typesFilter : []).map((type) => type.toLowerCase()));
    const groups = [...this.groups.values()].filter(
      (group) => (states.size === 0 || states.has(group.state.toLowerCase())) && (types.size === 0 || types.has(CLASSIC_GROUP_TYPE)),
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.map((group) => ({
        groupId: group.groupId,
        protocolType: group.protocolType ?? '',
        ...(version >= 4 ? { groupState: group.state } : {}),
        ...(version >= 5 ? { groupType: CLASSIC_GROUP_TYPE } : {}),
      })),
    };
  }

  /** Deletes empty groups and their offsets; a group with members is NON_EMPTY_GROUP. */
  deleteGroups(request: DeleteGroupsRequest, _version: number): Input<DeleteGroupsResponse> {
    const results = [...new Set(request.groupsNames)].map((groupId) => ({ groupId, errorCode: this.deleteGroup(groupId) }));
    return { throttleTimeMs: 0, results };
  }

  private deleteGroup(groupId: string): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const group = this.groups.get(groupId);
    if (group === undefined || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    this.dropGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return ErrorCode.NONE;
  }

  /** Stops every timer; pending joins/syncs resolve with COORDINATOR_NOT_AVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of [...this.groups.values()]) this.dropGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  }

  // ------------------------------------------------------------------ groups

  /**
   * A new empty group, or null at `maxGroups`. To make room, the oldest group that holds nothing
   * (no members, no member ids handed out, no offsets) is forgotten first, as Kafka's periodic
   * cleanup would eventually do.
   */
  private createGroup(groupId: string): ClassicGroup | null {
    if (this.groups.size >= this.options.maxGroups) {
      const husk = [...this.groups.values()].find((group) => group.is('Empty') && group.pendingMembers.size === 0 && group.offsets.isEmpty);
      if (husk === undefined) return null;
      this.dropGroup(husk, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    const group = new ClassicGroup(groupId);
    this.groups.set(groupId, group);
    return group;
  }

  private dropGroup(group: ClassicGroup, errorCode: number): void {
    this.engine.shutDown(group, errorCode);
    group.offsets.clear();
    this.groups.delete(group.groupId);
  }
}

/**
 * Parks a request: the returned promise resolves with the response for `version` when the waiter
 * is settled. If the client's connection closes first, the promise resolves with `onAbort` (no
 * one reads it) while the member keeps its place, as in Kafka, whose coordinator cannot see a
 * parked request's client go away; settling the waiter later then does nothing.
 */
function park<Outcome, Response>(
  version: number,
  signal: AbortSignal,
  shape: (outcome: Outcome, version: number) => Response,
  onAbort: Outcome,
): { waiter: Waiter<Outcome>; response: Promise<Response> } {
  let resolve!: (response: Response) => void;
  const response = new Promise<Response>((settle) => {
    resolve = settle;
  });
  let settled = false;
  const finish = (outcome: Outcome): void => {
    if (settled) return;
    settled = true;
    signal.removeEventListener('abort', abort);
    resolve(shape(outcome, version));
  };
  const abort = (): void => finish(onAbort);
  signal.addEventListener('abort', abort, { once: true });
  return { waiter: { version, settle: finish }, response };
}
