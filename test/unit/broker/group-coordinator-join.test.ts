/**
 * The classic group protocol's join phase and generations: KIP-394 member ids, the initial
 * rebalance delay, protocol selection, leader election, rebalances caused by joins, rejoins and
 * metadata changes, rebalance timeouts, admission limits and JoinGroup's error answers.
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
  memberIdsOf,
  stableGroup,
  subscription,
  sync,
  syncRequest,
} from './groups/harness.js';

describe('GroupCoordinator JoinGroup', () => {
  test('a first v4+ join gets a member id with MEMBER_ID_REQUIRED and the group stays Empty', async () => {
    const harness = createHarness();
    const first = join(harness, joinRequest(), 4);
    await drain();
    assert.equal(first.value.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.value.memberId ?? '', /^client-[0-9a-f-]{36}$/);
    assert.equal(first.value.generationId, -1);
    assert.equal(groupState(harness), 'Empty');
    assert.deepEqual(memberIdsOf(harness), []);
  });

  test('the second join completes generation 1 after the initial delay; the only member leads and gets its metadata', async () => {
    const harness = createHarness();
    const metadata = subscription(['orders']);
    const { memberId, joined } = await joinNewDynamic(harness, { protocols: [{ name: 'range', metadata }] });
    await drain();
    assert.equal(joined.done, false, 'join waits for the initial rebalance delay, even when it is 0');
    assert.equal(groupState(harness), 'PreparingRebalance');
    await advance(harness, 0);
    assert.deepEqual(joined.value, {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: memberId,
      skipAssignment: false,
      memberId,
      members: [{ memberId, groupInstanceId: null, metadata }],
    });
    assert.equal(groupState(harness), 'CompletingRebalance');
  });

  test('v0-v3 joins are admitted at once without a MEMBER_ID_REQUIRED round trip', async () => {
    const harness = createHarness();
    const joined = join(harness, joinRequest(), 3);
    await advance(harness, 0);
    assert.equal(joined.value.errorCode, ErrorCode.NONE);
    assert.match(joined.value.memberId ?? '', /^client-/);
    assert.equal(joined.value.leader, joined.value.memberId);
    assert.equal(joined.value.generationId, 1);
    assert.equal(joined.value.protocolName, 'range');
  });

  test('v0 answers a failed join with an empty protocol name (non-nullable before v7)', async () => {
    const harness = createHarness();
    const failed = join(harness, joinRequest({ groupId: '' }), 0);
    await drain();
    assert.deepEqual(failed.value, { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID, generationId: -1, protocolName: '', leader: '', memberId: '', members: [] });
  });

  test('the initial rebalance delay is extended while members keep arriving', async () => {
    const harness = createHarness({ initialRebalanceDelayMs: 3_000 });
    const a = await joinNewDynamic(harness);
    await advance(harness, 2_000);
    const b = await joinNewDynamic(harness);
    await advance(harness, 3_999);
    assert.equal(a.joined.done, false, 'a member joined during the first delay: a second delay runs from t=3000');
    assert.equal(b.joined.done, false);
    await advance(harness, 1);
    assert.equal(a.joined.value.generationId, 1);
    assert.equal(b.joined.value.generationId, 1);
    assert.equal(a.joined.value.leader, a.memberId);
    assert.equal(a.joined.value.members?.length, 2);
  });

  test('fifty members joining at once share one generation, one leader, and each gets its own assignment', async () => {
    const harness = createHarness();
    const joining = [];
    for (let index = 0; index < 50; index++) joining.push(await joinNewDynamic(harness, { protocols: [{ name: 'range', metadata: Buffer.from(`m${index}`) }] }));
    await advance(harness, 0);
    const answers = joining.map(({ joined }) => joined.value);
    const leaders = new Set(answers.map((answer) => answer.leader));
    assert.equal(leaders.size, 1);
    const leaderId = [...leaders][0]!;
    assert.equal(leaderId, joining[0]!.memberId, 'the first member to join leads');
    for (const [index, answer] of answers.entries()) {
      assert.equal(answer.errorCode, ErrorCode.NONE);
      assert.equal(answer.generationId, 1);
      assert.equal(answer.memberId, joining[index]!.memberId);
      assert.equal(answer.members?.length, index === 0 ? 50 : 0, 'only the leader gets the member list');
    }
    assert.deepEqual(
      answers[0]!.members?.map((member) => [member.memberId, Buffer.from(member.metadata ?? []).toString()]),
      joining.map(({ memberId }, index) => [memberId, `m${index}`]),
    );
    // Followers sync first and wait; the leader's SyncGroup releases everyone.
    const followers = joining.slice(1).map(({ memberId }) => sync(harness, syncRequest({ memberId })));
    await drain();
    assert.ok(followers.every((follower) => !follower.done));
    const leader = sync(harness, syncRequest({ memberId: leaderId, assignments: joining.map(({ memberId }, index) => ({ memberId, assignment: Buffer.from(`a${index}`) })) }));
    await drain();
    assert.equal(Buffer.from(leader.value.assignment ?? []).toString(), 'a0');
    followers.forEach((follower, index) => assert.equal(Buffer.from(follower.value.assignment ?? []).toString(), `a${index + 1}`));
    assert.equal(groupState(harness), 'Stable');
  });

  test('the protocol every member supports wins, chosen by the members\' first preferences', async () => {
    const harness = createHarness();
    const meta = Buffer.from('x');
    const a = await joinNewDynamic(harness, { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }, { name: 'sticky', metadata: meta }] });
    const b = await joinNewDynamic(harness, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] });
    const c = await joinNewDynamic(harness, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] });
    await advance(harness, 0);
    for (const { joined } of [a, b, c]) assert.equal(joined.value.protocolName, 'roundrobin');

    const other = createHarness();
    const d = await joinNewDynamic(other, { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
    const e = await joinNewDynamic(other, { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
    const f = await joinNewDynamic(other, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] });
    await advance(other, 0);
    for (const { joined } of [d, e, f]) assert.equal(joined.value.protocolName, 'range', 'two votes for range, one for roundrobin');
  });

  test('a member with no protocol in common, or another protocol type, is refused with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const harness = createHarness();
    await stableGroup(harness, 1);
    const noCommon = join(harness, joinRequest({ protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }), 3);
    const otherType = join(harness, joinRequest({ protocolType: 'connect' }), 3);
    await drain();
    assert.equal(noCommon.value.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(otherType.value.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(groupState(harness), 'Stable', 'refused joins do not disturb the group');

    const empty = createHarness();
    const noProtocols = join(empty, joinRequest({ protocols: [] }), 3);
    const noType = join(empty, joinRequest({ protocolType: '' }), 3);
    await drain();
    assert.equal(noProtocols.value.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(noType.value.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('session timeouts outside [min, max] are INVALID_SESSION_TIMEOUT; an empty group id is INVALID_GROUP_ID', async () => {
    const harness = createHarness({ minSessionTimeoutMs: 6_000, maxSessionTimeoutMs: 60_000 });
    const tooShort = join(harness, joinRequest({ sessionTimeoutMs: 5_999 }));
    const tooLong = join(harness, joinRequest({ sessionTimeoutMs: 60_001 }));
    const lowest = join(harness, joinRequest({ sessionTimeoutMs: 6_000 }));
    const noGroup = join(harness, joinRequest({ groupId: '' }));
    await drain();
    assert.equal(tooShort.value.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal(tooLong.value.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal(lowest.value.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal(noGroup.value.errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  test('a member id the group does not know is UNKNOWN_MEMBER_ID, whether or not the group exists', async () => {
    const harness = createHarness();
    const missingGroup = join(harness, joinRequest({ groupId: 'nowhere', memberId: 'client-stale' }));
    await stableGroup(harness, 1);
    const unknownMember = join(harness, joinRequest({ memberId: 'client-stale' }));
    await drain();
    assert.equal(missingGroup.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(missingGroup.value.memberId, 'client-stale');
    assert.equal(unknownMember.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(groupState(harness, 'nowhere'), 'Dead', 'no group is created for a stale member id');
  });

  test('GROUP_MAX_SIZE_REACHED refuses a member beyond groupMaxSize while current members rejoin', async () => {
    const harness = createHarness({ groupMaxSize: 2 });
    const { members, generationId } = await stableGroup(harness, 2);
    const third = join(harness, joinRequest(), 3);
    await drain();
    assert.deepEqual([third.value.errorCode, third.value.memberId], [ErrorCode.GROUP_MAX_SIZE_REACHED, '']);
    assert.equal(groupState(harness), 'Stable');
    assert.equal(heartbeat(harness, members[0]!.memberId, generationId), ErrorCode.NONE);
    // Current members are always let back in (a leader's rejoin starts a rebalance).
    const rejoin = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    assert.equal(rejoin.done, false);
    assert.equal(groupState(harness), 'PreparingRebalance');
  });

  test('while rebalancing, newcomers count against groupMaxSize and the last members to rejoin are shed', async () => {
    const harness = createHarness({ groupMaxSize: 3 });
    const { members, generationId } = await stableGroup(harness, 3);
    const [a, b, c] = members.map(({ memberId }) => memberId) as [string, string, string];
    const leader = join(harness, joinRequest({ memberId: a }));
    const newcomer = join(harness, joinRequest(), 3);
    const second = join(harness, joinRequest({ memberId: b }));
    await drain();
    assert.equal(groupState(harness), 'PreparingRebalance');
    const shed = join(harness, joinRequest({ memberId: c }));
    await drain();
    assert.deepEqual([shed.value.errorCode, shed.value.memberId], [ErrorCode.GROUP_MAX_SIZE_REACHED, '']);
    // With the shed member gone everyone left has rejoined: the phase completes at once.
    const newcomerId = newcomer.value.memberId ?? '';
    assert.equal(leader.value.generationId, generationId + 1);
    assert.deepEqual(leader.value.members?.map((member) => member.memberId), [a, b, newcomerId]);
    assert.equal(second.value.errorCode, ErrorCode.NONE);
    assert.equal(heartbeat(harness, c, generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('member ids handed out with MEMBER_ID_REQUIRED are bounded by groupMaxSize too', async () => {
    const harness = createHarness({ groupMaxSize: 3 });
    const answers = [1, 2, 3, 4].map(() => join(harness, joinRequest()));
    await drain();
    assert.deepEqual(
      answers.map((answer) => answer.value.errorCode),
      [ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.GROUP_MAX_SIZE_REACHED],
    );
  });

  test('an unused member id expires after the session timeout and is then unknown', async () => {
    const harness = createHarness();
    const first = join(harness, joinRequest({ sessionTimeoutMs: 5_000 }));
    await advance(harness, 5_000);
    const late = join(harness, joinRequest({ memberId: first.value.memberId ?? '', sessionTimeoutMs: 5_000 }));
    await drain();
    assert.equal(late.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member id handed out holds back the join phase until it is used or expires', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 1, { rebalanceTimeoutMs: 60_000 });
    const pending = join(harness, joinRequest({ sessionTimeoutMs: 5_000 }));
    await drain();
    assert.equal(pending.value.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal(groupState(harness), 'Stable', 'handing out a member id does not start a rebalance');
    // The leader rejoins: a rebalance starts, but the pending id keeps the phase open.
    const leader = join(harness, joinRequest({ memberId: members[0]!.memberId, rebalanceTimeoutMs: 60_000 }));
    await advance(harness, 4_999);
    assert.equal(leader.done, false);
    await advance(harness, 1);
    assert.equal(leader.value.errorCode, ErrorCode.NONE);
    assert.equal(leader.value.generationId, generationId + 1);
  });

  test('a new member joining a Stable group starts a rebalance that completes when every member rejoined', async () => {
    const harness = createHarness();
    const { members, leaderId, generationId } = await stableGroup(harness, 2);
    const newcomer = await joinNewDynamic(harness);
    await drain();
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.equal(heartbeat(harness, members[0]!.memberId, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(heartbeat(harness, members[1]!.memberId, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = members.map(({ memberId }) => join(harness, joinRequest({ memberId })));
    await drain();
    assert.equal(groupState(harness), 'CompletingRebalance', 'the last rejoin completes the phase without waiting');
    const answers = [...rejoins.map((rejoin) => rejoin.value), newcomer.joined.value];
    for (const answer of answers) {
      assert.equal(answer.generationId, generationId + 1);
      assert.equal(answer.leader, leaderId, 'the leader keeps leading when it rejoins');
    }
    assert.equal(answers[0]!.members?.length, 3);
    assert.equal(heartbeat(harness, members[1]!.memberId, generationId + 1), ErrorCode.NONE, 'heartbeats are fine while awaiting SyncGroup');
  });

  test('members that do not rejoin within the rebalance timeout are removed', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const newcomer = await joinNewDynamic(harness, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const rejoined = join(harness, joinRequest({ memberId: members[0]!.memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 }));
    await advance(harness, 19_999);
    assert.equal(rejoined.done, false);
    await advance(harness, 1);
    assert.equal(rejoined.value.generationId, generationId + 1);
    assert.deepEqual(rejoined.value.members?.map((member) => member.memberId), [members[0]!.memberId, newcomer.memberId]);
    assert.equal(newcomer.joined.value.generationId, generationId + 1);
    assert.deepEqual(memberIdsOf(harness), [members[0]!.memberId, newcomer.memberId]);
    assert.equal(heartbeat(harness, members[1]!.memberId, generationId), ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('when the leader does not rejoin in time, a member that rejoined becomes leader', async () => {
    const harness = createHarness();
    const { members, leaderId } = await stableGroup(harness, 3, { rebalanceTimeoutMs: 10_000 });
    assert.equal(leaderId, members[0]!.memberId);
    // A follower's changed subscription starts the rebalance; the other follower rejoins, the leader does not.
    const second = join(harness, joinRequest({ memberId: members[1]!.memberId, rebalanceTimeoutMs: 10_000, protocols: [{ name: 'range', metadata: subscription(['orders', 'payments']) }] }));
    const third = join(harness, joinRequest({ memberId: members[2]!.memberId, rebalanceTimeoutMs: 10_000 }));
    await advance(harness, 9_999);
    assert.equal(second.done, false);
    await advance(harness, 1);
    assert.equal(second.value.leader, members[1]!.memberId);
    assert.equal(second.value.members?.length, 2);
    assert.equal(third.value.leader, members[1]!.memberId);
    assert.deepEqual(memberIdsOf(harness), [members[1]!.memberId, members[2]!.memberId]);
  });

  test('the leader leaving mid-rebalance hands leadership to a member that rejoined and completes the phase', async () => {
    const harness = createHarness();
    const { members, leaderId, generationId } = await stableGroup(harness, 3);
    const second = join(harness, joinRequest({ memberId: members[1]!.memberId, protocols: [{ name: 'range', metadata: subscription(['payments']) }] }));
    const third = join(harness, joinRequest({ memberId: members[2]!.memberId }));
    await drain();
    assert.equal(second.done, false);
    assert.equal(third.done, false);
    const left = harness.coordinator.leaveGroup({ groupId: 'group', memberId: leaderId, members: [] }, 1);
    assert.equal(left.errorCode, ErrorCode.NONE);
    await drain();
    assert.equal(second.value.generationId, generationId + 1);
    assert.equal(second.value.leader, members[1]!.memberId);
    assert.equal(second.value.members?.length, 2);
    assert.equal(third.value.leader, members[1]!.memberId);
  });

  test('a rebalance during CompletingRebalance answers parked SyncGroups with REBALANCE_IN_PROGRESS', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    const b = await joinNewDynamic(harness);
    await advance(harness, 0);
    const follower = sync(harness, syncRequest({ memberId: b.memberId }));
    await drain();
    assert.equal(follower.done, false);
    // The leader leaves before assigning: the follower's wait ends and a new rebalance starts.
    harness.coordinator.leaveGroup({ groupId: 'group', memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] }, 5);
    await drain();
    assert.deepEqual(follower.value, { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    assert.equal(groupState(harness), 'PreparingRebalance');
    const rejoin = join(harness, joinRequest({ memberId: b.memberId }));
    await drain();
    assert.equal(rejoin.value.generationId, 2);
    assert.equal(rejoin.value.leader, b.memberId);
  });

  test('a follower rejoining a Stable group with unchanged metadata gets the current generation without a rebalance', async () => {
    const harness = createHarness();
    const { members, leaderId, generationId } = await stableGroup(harness, 2);
    const rejoin = join(harness, joinRequest({ memberId: members[1]!.memberId }));
    await drain();
    assert.deepEqual(
      [rejoin.value.errorCode, rejoin.value.generationId, rejoin.value.leader, rejoin.value.members],
      [ErrorCode.NONE, generationId, leaderId, []],
    );
    assert.equal(groupState(harness), 'Stable');
  });

  test('a member rejoining with fewer owned partitions (cooperative revocation) triggers a rebalance and is reassigned', async () => {
    const harness = createHarness();
    const owning = subscription(['orders'], [{ topic: 'orders', partitions: [0, 1, 2] }]);
    const fewer = subscription(['orders'], [{ topic: 'orders', partitions: [0] }]);
    const protocols = (metadata: Buffer) => [{ name: 'cooperative-sticky', metadata }];
    const { members, generationId } = await stableGroup(harness, 2, { protocols: protocols(owning) });
    const revoking = join(harness, joinRequest({ memberId: members[1]!.memberId, protocols: protocols(fewer) }));
    await drain();
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.equal(heartbeat(harness, members[0]!.memberId, generationId), ErrorCode.REBALANCE_IN_PROGRESS);
    const leader = join(harness, joinRequest({ memberId: members[0]!.memberId, protocols: protocols(owning) }));
    await drain();
    assert.equal(revoking.value.generationId, generationId + 1);
    assert.deepEqual(
      leader.value.members?.map((member) => Buffer.from(member.metadata ?? []).equals(member.memberId === members[1]!.memberId ? fewer : owning)),
      [true, true],
      'the leader sees the reduced ownership',
    );
    const leaderSync = sync(harness, syncRequest({ memberId: members[0]!.memberId, generationId: generationId + 1, protocolName: 'cooperative-sticky', assignments: [
      { memberId: members[0]!.memberId, assignment: Buffer.from('0,1') },
      { memberId: members[1]!.memberId, assignment: Buffer.from('2') },
    ] }));
    const followerSync = sync(harness, syncRequest({ memberId: members[1]!.memberId, generationId: generationId + 1, protocolName: 'cooperative-sticky' }));
    await drain();
    assert.equal(Buffer.from(leaderSync.value.assignment ?? []).toString(), '0,1');
    assert.equal(Buffer.from(followerSync.value.assignment ?? []).toString(), '2');
  });

  test('a leader rejoining a Stable group always rebalances, even with unchanged metadata', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const leader = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    assert.equal(leader.done, false);
    assert.equal(groupState(harness), 'PreparingRebalance');
    join(harness, joinRequest({ memberId: members[1]!.memberId }));
    await drain();
    assert.equal(leader.value.generationId, generationId + 1);
  });

  test('a repeated JoinGroup during CompletingRebalance gets the same generation again', async () => {
    const harness = createHarness();
    const a = await joinNewDynamic(harness);
    const b = await joinNewDynamic(harness);
    await advance(harness, 0);
    const again = join(harness, joinRequest({ memberId: a.memberId }));
    await drain();
    assert.deepEqual(again.value, a.joined.value, 'the leader gets its answer (with members) again');
    const followerAgain = join(harness, joinRequest({ memberId: b.memberId }));
    await drain();
    assert.deepEqual(followerAgain.value, b.joined.value);
  });

  test('a second JoinGroup from a member already waiting answers the first with REBALANCE_IN_PROGRESS', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const first = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    const second = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    assert.equal(first.value.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(second.done, false);
    join(harness, joinRequest({ memberId: members[1]!.memberId }));
    await drain();
    assert.equal(second.value.generationId, generationId + 1);
  });

  test('a new member that waits longer than newMemberJoinTimeoutMs is dropped with UNKNOWN_MEMBER_ID', async () => {
    const harness = createHarness({ newMemberJoinTimeoutMs: 5_000 });
    const { members } = await stableGroup(harness, 1, { rebalanceTimeoutMs: 60_000, sessionTimeoutMs: 60_000 });
    const newcomer = await joinNewDynamic(harness, { rebalanceTimeoutMs: 60_000 });
    await advance(harness, 5_000);
    assert.equal(newcomer.joined.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.deepEqual(memberIdsOf(harness), [members[0]!.memberId]);
    assert.equal(groupState(harness), 'PreparingRebalance', 'the old member still has until the rebalance timeout');
    await advance(harness, 55_000);
    assert.equal(groupState(harness), 'Empty', 'nobody rejoined: the dynamic member is dropped and the group empties');
  });

  test('a closed connection ends the parked JoinGroup but the member keeps its place, as in Kafka', async () => {
    const harness = createHarness();
    const connection = new AbortController();
    const first = join(harness, joinRequest());
    await drain();
    const memberId = first.value.memberId ?? '';
    const parked = join(harness, joinRequest({ memberId }), 9, connection.signal);
    const other = await joinNewDynamic(harness);
    connection.abort();
    await drain();
    assert.equal(parked.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await advance(harness, 0);
    assert.equal(other.joined.value.errorCode, ErrorCode.NONE);
    assert.deepEqual(other.joined.value.members, [], 'the first member (gone) still leads');
    assert.equal(other.joined.value.leader, memberId);
    assert.deepEqual(memberIdsOf(harness), [memberId, other.memberId]);
  });

  test('an already aborted request is answered without touching the group', async () => {
    const harness = createHarness();
    const connection = new AbortController();
    connection.abort();
    const joined = join(harness, joinRequest(), 9, connection.signal);
    await drain();
    assert.equal(joined.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(groupState(harness), 'Dead');
  });
});
