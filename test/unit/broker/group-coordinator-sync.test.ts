/**
 * SyncGroup, Heartbeat (session timeouts) and LeaveGroup of the classic group protocol, and the
 * coordinator's close().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import {
  advance,
  createHarness,
  drain,
  groupState,
  heartbeat,
  join,
  joinNewDynamic,
  joinRequest,
  leaveRequest,
  memberIdsOf,
  stableGroup,
  sync,
  syncRequest,
} from './groups/harness.js';

describe('GroupCoordinator SyncGroup', () => {
  test('followers wait for the leader; members the leader leaves out get an empty assignment', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    const b = await joinNewDynamic(harness);
    const c = await joinNewDynamic(harness);
    await advance(harness, 0);
    const followerB = sync(harness, syncRequest({ memberId: b.memberId }));
    await drain();
    assert.equal(followerB.done, false);
    assert.equal(groupState(harness), 'CompletingRebalance');
    const leader = sync(harness, syncRequest({ memberId: a.memberId, assignments: [
      { memberId: a.memberId, assignment: Buffer.from('A') },
      { memberId: b.memberId, assignment: Buffer.from('B') },
      { memberId: 'client-not-a-member', assignment: Buffer.from('X') },
    ] }));
    await drain();
    assert.deepEqual(leader.value, { throttleTimeMs: 0, errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('A') });
    assert.deepEqual(followerB.value.assignment, Buffer.from('B'));
    assert.equal(groupState(harness), 'Stable');
    const lateC = sync(harness, syncRequest({ memberId: c.memberId }));
    await drain();
    assert.deepEqual([lateC.value.errorCode, lateC.value.assignment], [ErrorCode.NONE, Buffer.alloc(0)]);
  });

  test('v0-v4 answers carry no protocol type or name', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    await advance(harness, 0);
    const answer = sync(harness, syncRequest({ memberId: a.memberId, protocolType: null, protocolName: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from('A') }] }), 3);
    await drain();
    assert.deepEqual(answer.value, { throttleTimeMs: 0, errorCode: 0, assignment: Buffer.from('A') });
  });

  test('SyncGroup errors: unknown group or member, wrong generation, rebalancing, protocol mismatch, empty group id', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const member = members[1]!.memberId;
    const cases: Array<[string, Parameters<typeof syncRequest>[0], number, number]> = [
      ['unknown group', { groupId: 'other', memberId: member }, 5, ErrorCode.UNKNOWN_MEMBER_ID],
      ['unknown member', { memberId: 'client-unknown' }, 5, ErrorCode.UNKNOWN_MEMBER_ID],
      ['old generation', { memberId: member, generationId: generationId - 1 }, 5, ErrorCode.ILLEGAL_GENERATION],
      ['other protocol name', { memberId: member, generationId, protocolName: 'roundrobin' }, 5, ErrorCode.INCONSISTENT_GROUP_PROTOCOL],
      ['other protocol type', { memberId: member, generationId, protocolType: 'connect' }, 5, ErrorCode.INCONSISTENT_GROUP_PROTOCOL],
      ['v5 without protocol type', { memberId: member, generationId, protocolType: null }, 5, ErrorCode.INCONSISTENT_GROUP_PROTOCOL],
      ['v4 without protocol type', { memberId: member, generationId, protocolType: null, protocolName: null }, 4, ErrorCode.NONE],
      ['empty group id', { groupId: '', memberId: member }, 5, ErrorCode.INVALID_GROUP_ID],
    ];
    for (const [name, fields, version, expected] of cases) {
      const answer = sync(harness, syncRequest(fields), version);
      await drain();
      assert.equal(answer.value.errorCode, expected, name);
    }
    // A rebalance is now in progress: SyncGroup of the old generation is told so.
    join(harness, joinRequest({ memberId: members[0]!.memberId }));
    const during = sync(harness, syncRequest({ memberId: member, generationId }));
    await drain();
    assert.equal(during.value.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('SyncGroup to a group without members is UNKNOWN_MEMBER_ID', async () => {
    const harness = createHarness();
    const first = join(harness, joinRequest());
    await drain();
    const answer = sync(harness, syncRequest({ memberId: first.value.memberId ?? '', generationId: 0 }));
    await drain();
    assert.equal(answer.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('members that never send SyncGroup are removed after the rebalance timeout and the group rebalances', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness, { rebalanceTimeoutMs: 15_000, sessionTimeoutMs: 30_000 });
    const b = await joinNewDynamic(harness, { rebalanceTimeoutMs: 15_000, sessionTimeoutMs: 30_000 });
    await advance(harness, 0);
    const leader = sync(harness, syncRequest({ memberId: a.memberId, assignments: [{ memberId: a.memberId, assignment: Buffer.from('A') }] }));
    await advance(harness, 14_999);
    assert.equal(leader.value.errorCode, ErrorCode.NONE);
    assert.equal(groupState(harness), 'Stable');
    await advance(harness, 1);
    assert.deepEqual(memberIdsOf(harness), [a.memberId]);
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.equal(heartbeat(harness, b.memberId, 1), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(harness, a.memberId, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('a second SyncGroup from a member already waiting answers the first with REBALANCE_IN_PROGRESS', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    const b = await joinNewDynamic(harness);
    await advance(harness, 0);
    const first = sync(harness, syncRequest({ memberId: b.memberId }));
    const second = sync(harness, syncRequest({ memberId: b.memberId }));
    await drain();
    assert.equal(first.value.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    sync(harness, syncRequest({ memberId: a.memberId, assignments: [{ memberId: b.memberId, assignment: Buffer.from('B') }] }));
    await drain();
    assert.deepEqual(second.value.assignment, Buffer.from('B'));
  });
});

describe('GroupCoordinator Heartbeat and session timeouts', () => {
  test('Heartbeat errors: unknown group or member, wrong generation, empty group id', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 1);
    const memberId = members[0]!.memberId;
    assert.equal(heartbeat(harness, memberId, generationId), ErrorCode.NONE);
    assert.equal(heartbeat(harness, memberId, generationId, { groupId: 'other' }), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(harness, 'client-unknown', generationId), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(heartbeat(harness, memberId, generationId + 1), ErrorCode.ILLEGAL_GENERATION);
    assert.equal(heartbeat(harness, memberId, generationId, { groupId: '' }), ErrorCode.INVALID_GROUP_ID);
  });

  test('a member that stops heartbeating is removed at its session timeout and the others rebalance without it', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2, { sessionTimeoutMs: 10_000 });
    const [alive, silent] = [members[0]!.memberId, members[1]!.memberId];
    for (let elapsed = 0; elapsed < 9_000; elapsed += 3_000) {
      await advance(harness, 3_000);
      assert.equal(heartbeat(harness, alive, generationId), ErrorCode.NONE);
    }
    await advance(harness, 999);
    assert.deepEqual(memberIdsOf(harness), [alive, silent], 'one millisecond before its session ends');
    await advance(harness, 1);
    assert.deepEqual(memberIdsOf(harness), [alive]);
    assert.equal(heartbeat(harness, alive, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = join(harness, joinRequest({ memberId: alive, sessionTimeoutMs: 10_000 }));
    await drain();
    assert.deepEqual([rejoin.value.generationId, rejoin.value.leader, rejoin.value.members?.length], [generationId + 1, alive, 1]);
  });

  test('heartbeats keep a member alive indefinitely', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 1, { sessionTimeoutMs: 10_000 });
    for (let round = 0; round < 20; round++) {
      await advance(harness, 9_999);
      assert.equal(heartbeat(harness, members[0]!.memberId, generationId), ErrorCode.NONE, `round ${round}`);
    }
    assert.equal(groupState(harness), 'Stable');
  });

  test('the last member expiring empties the group and bumps its generation', async () => {
    const harness = createHarness();
    const { generationId } = await stableGroup(harness, 1, { sessionTimeoutMs: 10_000 });
    await advance(harness, 10_000);
    assert.equal(groupState(harness), 'Empty');
    const described = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: false }, 5).groups?.[0];
    assert.equal(described?.protocolType, 'consumer', 'an empty group keeps its protocol type');
    const fresh = await joinNewDynamic(harness);
    await advance(harness, 0);
    assert.equal(fresh.joined.value.generationId, generationId + 2);
  });
});

describe('GroupCoordinator LeaveGroup', () => {
  test('v0-v2: one member leaves; its error is the top-level error', async () => {
    const harness = createHarness();
    const { members } = await stableGroup(harness, 2);
    assert.deepEqual(harness.coordinator.leaveGroup(leaveRequest({ memberId: members[1]!.memberId }), 0), { throttleTimeMs: 0, errorCode: 0 });
    assert.deepEqual(memberIdsOf(harness), [members[0]!.memberId]);
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.deepEqual(harness.coordinator.leaveGroup(leaveRequest({ memberId: members[1]!.memberId }), 2), { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    assert.deepEqual(harness.coordinator.leaveGroup(leaveRequest({ groupId: 'other', memberId: 'x' }), 1), { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    assert.deepEqual(harness.coordinator.leaveGroup(leaveRequest({ groupId: '', memberId: 'x' }), 1), { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID });
  });

  test('v3+: a batch of members with an error for each', async () => {
    const harness = createHarness();
    const { members } = await stableGroup(harness, 3);
    const answer = harness.coordinator.leaveGroup(
      leaveRequest({ members: [
        { memberId: members[1]!.memberId, groupInstanceId: null, reason: 'shutdown' },
        { memberId: 'client-unknown', groupInstanceId: null, reason: null },
        { memberId: members[2]!.memberId, groupInstanceId: 'not-its-instance', reason: null },
        { memberId: members[1]!.memberId, groupInstanceId: null, reason: 'twice' },
      ] }),
      5,
    );
    assert.deepEqual(answer, {
      throttleTimeMs: 0,
      errorCode: 0,
      members: [
        { memberId: members[1]!.memberId, groupInstanceId: null, errorCode: 0 },
        { memberId: 'client-unknown', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
        { memberId: members[2]!.memberId, groupInstanceId: 'not-its-instance', errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
        { memberId: members[1]!.memberId, groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
      ],
    });
    assert.deepEqual(memberIdsOf(harness), [members[0]!.memberId, members[2]!.memberId]);
    assert.equal(groupState(harness), 'PreparingRebalance');
  });

  test('v3+ to a missing group: UNKNOWN_MEMBER_ID for each member', () => {
    const harness = createHarness();
    const answer = harness.coordinator.leaveGroup(leaveRequest({ groupId: 'missing', members: [{ memberId: 'a', groupInstanceId: 'i', reason: null }] }), 4);
    assert.deepEqual(answer, { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: 'a', groupInstanceId: 'i', errorCode: ErrorCode.UNKNOWN_MEMBER_ID }] });
  });

  test('a member id still pending (MEMBER_ID_REQUIRED) can leave', async () => {
    const harness = createHarness();
    const first = join(harness, joinRequest());
    await drain();
    const memberId = first.value.memberId ?? '';
    assert.equal(harness.coordinator.leaveGroup(leaveRequest({ memberId }), 1).errorCode, ErrorCode.NONE);
    const late = join(harness, joinRequest({ memberId }));
    await drain();
    assert.equal(late.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('the last member leaving empties the group with a new generation; a parked JoinGroup of a leaver is answered', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const parked = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    assert.equal(parked.done, false);
    harness.coordinator.leaveGroup(leaveRequest({ members: members.map(({ memberId }) => ({ memberId, groupInstanceId: null, reason: null })) }), 3);
    await drain();
    assert.deepEqual([parked.value.errorCode, parked.value.memberId], [ErrorCode.UNKNOWN_MEMBER_ID, '']);
    assert.equal(groupState(harness), 'Empty');
    const next = await joinNewDynamic(harness);
    await advance(harness, 0);
    assert.equal(next.joined.value.generationId, generationId + 2);
  });
});

describe('GroupCoordinator close', () => {
  test('parked requests are answered COORDINATOR_NOT_AVAILABLE, timers stop, later requests get the same error', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    const b = await joinNewDynamic(harness);
    await advance(harness, 0);
    const parkedSync = sync(harness, syncRequest({ memberId: b.memberId }));
    const parkedJoin = join(harness, joinRequest({ groupId: 'second' }), 3);
    await drain();
    assert.equal(parkedJoin.done, false);
    assert.ok(harness.clock.pendingCount > 0);
    harness.coordinator.close();
    await drain();
    assert.equal(parkedSync.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(parkedJoin.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(harness.clock.pendingCount, 0);
    assert.equal(heartbeat(harness, a.memberId, 1), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const afterwards = join(harness, joinRequest());
    await drain();
    assert.equal(afterwards.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(harness.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
