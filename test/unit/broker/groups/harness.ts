/**
 * Test helpers for the group coordinator: a coordinator on a manual clock, request builders that
 * fill every field of the decoded request types, consumer-protocol metadata, and a way to see
 * whether a parked JoinGroup/SyncGroup has been answered without sleeping.
 */
import assert from 'node:assert/strict';
import type { Input } from '../../../../src/protocol/api.js';
import { ConsumerProtocolSubscription } from '../../../../src/protocol/generated/consumer-protocol-subscription.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import type { HeartbeatRequest } from '../../../../src/protocol/generated/heartbeat.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../../../src/protocol/generated/join-group.js';
import type { LeaveGroupRequest } from '../../../../src/protocol/generated/leave-group.js';
import type { OffsetCommitRequest } from '../../../../src/protocol/generated/offset-commit.js';
import type { OffsetFetchRequest } from '../../../../src/protocol/generated/offset-fetch.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../../../src/protocol/generated/sync-group.js';
import { Writer } from '../../../../src/protocol/primitives/writer.js';
import { GroupCoordinator, ManualScheduler, type GroupCoordinatorOptions } from '../../../../src/broker/group-coordinator.js';

export const CLIENT = { clientId: 'client', clientHost: '/127.0.0.1' };

/** ConsumerProtocolSubscription bytes (version prefix + body) for `topics`. */
export function subscription(topics: readonly string[], ownedPartitions: ReadonlyArray<{ topic: string; partitions: number[] }> = []): Buffer {
  const writer = new Writer();
  const version = ownedPartitions.length > 0 ? 1 : 0;
  writer.writeInt16(version);
  ConsumerProtocolSubscription.encode(writer, version, { topics: [...topics], userData: null, ownedPartitions: ownedPartitions.map((owned) => ({ ...owned })) });
  return writer.finish();
}

export interface Harness {
  readonly coordinator: GroupCoordinator;
  readonly clock: ManualScheduler;
  /** Topic -> partition count; partitionExists answers from it. */
  readonly topics: Map<string, number>;
}

export function createHarness(options: Partial<GroupCoordinatorOptions> = {}): Harness {
  const clock = new ManualScheduler(1_000_000);
  const topics = new Map<string, number>([
    ['orders', 3],
    ['payments', 2],
  ]);
  const coordinator = new GroupCoordinator({
    partitionExists: (topic, partition) => partition >= 0 && partition < (topics.get(topic) ?? 0),
    scheduler: clock,
    minSessionTimeoutMs: 1_000,
    onTaskError: (error) => {
      throw error;
    },
    ...options,
  });
  return { coordinator, clock, topics };
}

export function joinRequest(fields: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'group',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['orders']) }],
    reason: null,
    ...fields,
  };
}

export function syncRequest(fields: Partial<SyncGroupRequest> = {}): SyncGroupRequest {
  return {
    groupId: 'group',
    generationId: 1,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: [],
    ...fields,
  };
}

export function heartbeatRequest(fields: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return { groupId: 'group', generationId: 1, memberId: '', groupInstanceId: null, ...fields };
}

export function leaveRequest(fields: Partial<LeaveGroupRequest> = {}): LeaveGroupRequest {
  return { groupId: 'group', memberId: '', members: [], ...fields };
}

export function commitRequest(fields: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  return {
    groupId: 'group',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: [],
    ...fields,
  };
}

export function commitPartition(partitionIndex: number, committedOffset: bigint, fields: { leaderEpoch?: number; metadata?: string | null } = {}) {
  return {
    partitionIndex,
    committedOffset,
    committedLeaderEpoch: fields.leaderEpoch ?? -1,
    commitTimestamp: -1n,
    committedMetadata: fields.metadata === undefined ? '' : fields.metadata,
  };
}

export function fetchRequest(fields: Partial<OffsetFetchRequest> = {}): OffsetFetchRequest {
  return { groupId: 'group', topics: null, groups: [], requireStable: false, ...fields };
}

/** A promise whose settlement can be checked synchronously after `drain()`. */
export interface Tracked<T> {
  readonly done: boolean;
  /** The resolved value; fails the test if it has not resolved. */
  readonly value: T;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  let done = false;
  let value: T | undefined;
  let failure: unknown;
  let failed = false;
  promise.then(
    (resolved) => {
      done = true;
      value = resolved;
    },
    (error: unknown) => {
      failed = true;
      failure = error;
    },
  );
  return {
    get done() {
      if (failed) throw failure;
      return done;
    },
    get value() {
      if (failed) throw failure;
      assert.ok(done, 'the request has not been answered');
      return value as T;
    },
  };
}

/** Lets every already-resolved promise's callbacks run (no time passes on the manual clock). */
export function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Moves the manual clock and lets the answers it produced reach their trackers. */
export async function advance(harness: Harness, ms: number): Promise<void> {
  harness.clock.advance(ms);
  await drain();
}

export type JoinResponse = Input<JoinGroupResponse>;
export type SyncResponse = Input<SyncGroupResponse>;

export function join(harness: Harness, request: JoinGroupRequest, version = 9, signal: AbortSignal = new AbortController().signal): Tracked<JoinResponse> {
  return track(harness.coordinator.joinGroup(request, version, CLIENT, signal));
}

export function sync(harness: Harness, request: SyncGroupRequest, version = 5, signal: AbortSignal = new AbortController().signal): Tracked<SyncResponse> {
  return track(harness.coordinator.syncGroup(request, version, signal));
}

/**
 * KIP-394's two-step first join of a dynamic member (v4+): the MEMBER_ID_REQUIRED answer, then
 * the join with the given id, which is returned parked.
 */
export async function joinNewDynamic(harness: Harness, fields: Partial<JoinGroupRequest> = {}, version = 9): Promise<{ memberId: string; joined: Tracked<JoinResponse> }> {
  const first = join(harness, joinRequest(fields), version);
  await drain();
  assert.equal(first.value.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const memberId = first.value.memberId ?? '';
  assert.ok(memberId.length > 0);
  return { memberId, joined: join(harness, joinRequest({ ...fields, memberId }), version) };
}

export interface StableMember {
  readonly memberId: string;
  readonly assignment: Buffer;
}

/**
 * Builds a Stable group of dynamic members in generation 1: everyone joins, the initial delay
 * (0) passes, the leader assigns `assignment-<index>` to member <index>, everyone syncs.
 */
export async function stableGroup(harness: Harness, count: number, fields: Partial<JoinGroupRequest> = {}): Promise<{ members: StableMember[]; leaderId: string; generationId: number }> {
  const joining = [];
  for (let index = 0; index < count; index++) joining.push(await joinNewDynamic(harness, fields));
  await advance(harness, 0);
  const responses = joining.map(({ joined }) => joined.value);
  for (const response of responses) assert.equal(response.errorCode, ErrorCode.NONE);
  const leaderId = responses[0]!.leader ?? '';
  const generationId = responses[0]!.generationId ?? -1;
  const memberIds = joining.map(({ memberId }) => memberId);
  const assignments = memberIds.map((memberId, index) => ({ memberId, assignment: Buffer.from(`assignment-${index}`) }));
  const groupId = fields.groupId ?? 'group';
  const protocolName = responses[0]!.protocolName ?? null;
  const protocolType = responses[0]!.protocolType ?? null;
  const syncs = memberIds.map((memberId) =>
    sync(harness, syncRequest({ groupId, memberId, generationId, protocolType, protocolName, assignments: memberId === leaderId ? assignments : [] })),
  );
  await drain();
  const members = memberIds.map((memberId, index) => {
    const answer = syncs[index]!.value;
    assert.equal(answer.errorCode, ErrorCode.NONE);
    return { memberId, assignment: Buffer.from(answer.assignment ?? Buffer.alloc(0)) };
  });
  return { members, leaderId, generationId };
}

export function heartbeat(harness: Harness, memberId: string, generationId: number, fields: Partial<HeartbeatRequest> = {}): number {
  return harness.coordinator.heartbeat(heartbeatRequest({ memberId, generationId, ...fields }), 4).errorCode ?? -1;
}

export function groupState(harness: Harness, groupId = 'group'): string {
  return harness.coordinator.describeGroups({ groups: [groupId], includeAuthorizedOperations: false }, 5).groups?.[0]?.groupState ?? '';
}

export function memberIdsOf(harness: Harness, groupId = 'group'): string[] {
  const described = harness.coordinator.describeGroups({ groups: [groupId], includeAuthorizedOperations: false }, 5).groups?.[0];
  return (described?.members ?? []).map((member) => member.memberId ?? '');
}
