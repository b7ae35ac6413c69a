/**
 * Static membership (KIP-345): members with a group.instance.id keep their place across restarts,
 * are fenced by a newer instance, survive rebalance timeouts, and can be removed by instance id.
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
  subscription,
  sync,
  syncRequest,
  type Harness,
} from './groups/harness.js';

/** A Stable generation-1 group: static member "instance-a" (leader, assigned "A") and dynamic member (assigned "D"). */
async function staticAndDynamic(harness: Harness, fields: Parameters<typeof joinRequest>[0] = {}): Promise<{ staticId: string; dynamicId: string }> {
  const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a', ...fields }));
  await drain();
  assert.equal(staticJoin.done, false, 'a static member joins directly, without MEMBER_ID_REQUIRED');
  const dynamic = await joinNewDynamic(harness, fields);
  await advance(harness, 0);
  const staticId = staticJoin.value.memberId ?? '';
  assert.match(staticId, /^instance-a-/, 'a static member id starts with its instance id');
  assert.equal(staticJoin.value.leader, staticId);
  const assignments = [
    { memberId: staticId, assignment: Buffer.from('A') },
    { memberId: dynamic.memberId, assignment: Buffer.from('D') },
  ];
  sync(harness, syncRequest({ memberId: staticId, groupInstanceId: 'instance-a', assignments }));
  sync(harness, syncRequest({ memberId: dynamic.memberId }));
  await drain();
  assert.equal(groupState(harness), 'Stable');
  return { staticId, dynamicId: dynamic.memberId };
}

describe('GroupCoordinator static membership', () => {
  test('a restarted static member with unchanged metadata replaces the old id without a rebalance (v5-v8)', async () => {
    const harness = createHarness();
    const { staticId, dynamicId } = await staticAndDynamic(harness);
    const restarted = join(harness, joinRequest({ groupInstanceId: 'instance-a' }), 8);
    await drain();
    const newId = restarted.value.memberId ?? '';
    assert.notEqual(newId, staticId);
    assert.deepEqual(
      [restarted.value.errorCode, restarted.value.generationId, restarted.value.leader, restarted.value.members, restarted.value.protocolName],
      [ErrorCode.NONE, 1, staticId, [], 'range'],
      'the old leader id is returned so that a pre-v9 client does not reassign',
    );
    assert.equal(groupState(harness), 'Stable');
    assert.equal(heartbeat(harness, dynamicId, 1), ErrorCode.NONE, 'the other members see no rebalance');
    assert.equal(heartbeat(harness, staticId, 1, { groupInstanceId: 'instance-a' }), ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(heartbeat(harness, newId, 1, { groupInstanceId: 'instance-a' }), ErrorCode.NONE);
    const resynced = sync(harness, syncRequest({ memberId: newId, groupInstanceId: 'instance-a' }));
    await drain();
    assert.deepEqual(resynced.value.assignment, Buffer.from('A'), 'the replacement keeps the old assignment');
    assert.deepEqual(memberIdsOf(harness), [dynamicId, newId]);
  });

  test('v9: a restarted static leader is named leader and told to skip the assignment', async () => {
    const harness = createHarness();
    const { dynamicId } = await staticAndDynamic(harness);
    const restarted = join(harness, joinRequest({ groupInstanceId: 'instance-a' }), 9);
    await drain();
    const newId = restarted.value.memberId ?? '';
    assert.equal(restarted.value.leader, newId);
    assert.equal(restarted.value.skipAssignment, true);
    assert.deepEqual(restarted.value.members?.map((member) => [member.memberId, member.groupInstanceId]), [
      [dynamicId, null],
      [newId, 'instance-a'],
    ]);
    assert.equal(groupState(harness), 'Stable');
  });

  test('the fenced old instance gets FENCED_INSTANCE_ID for join, sync, heartbeat and commit', async () => {
    const harness = createHarness();
    const { staticId } = await staticAndDynamic(harness);
    join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    await drain();
    const oldJoin = join(harness, joinRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    const oldSync = sync(harness, syncRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    await drain();
    assert.equal(oldJoin.value.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    assert.equal(oldSync.value.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const commit = harness.coordinator.offsetCommit(
      { groupId: 'group', generationIdOrMemberEpoch: 1, memberId: staticId, groupInstanceId: 'instance-a', retentionTimeMs: -1n, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }] },
      8,
    );
    assert.equal(commit.topics?.[0]?.partitions?.[0]?.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });

  test('a request parked by the old instance is answered FENCED_INSTANCE_ID when the new one takes over', async () => {
    const harness = createHarness();
    const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    const dynamicA = await joinNewDynamic(harness);
    const dynamicB = await joinNewDynamic(harness);
    await advance(harness, 0);
    const staticId = staticJoin.value.memberId ?? '';
    sync(harness, syncRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    await drain();
    assert.equal(groupState(harness), 'Stable');
    // A's changed metadata starts a rebalance; the old static instance rejoins and waits for B.
    const rejoinA = join(harness, joinRequest({ memberId: dynamicA.memberId, protocols: [{ name: 'range', metadata: subscription(['payments']) }] }));
    const oldParked = join(harness, joinRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    await drain();
    assert.equal(oldParked.done, false);
    const replacement = join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    await drain();
    assert.deepEqual([oldParked.value.errorCode, oldParked.value.memberId], [ErrorCode.FENCED_INSTANCE_ID, staticId]);
    assert.equal(replacement.done, false, 'the replacement waits for the join phase like the old instance did');
    join(harness, joinRequest({ memberId: dynamicB.memberId }));
    await drain();
    const replacementId = replacement.value.memberId ?? '';
    assert.match(replacementId, /^instance-a-/);
    assert.deepEqual([replacement.value.generationId, replacement.value.leader], [2, replacementId], 'leadership moved to the replacement');
    assert.equal(replacement.value.members?.length, 3);
    assert.equal(rejoinA.value.leader, replacementId);
  });

  test('a restart during CompletingRebalance forces a new rebalance', async () => {
    const harness = createHarness();
    const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    const dynamic = await joinNewDynamic(harness);
    await advance(harness, 0);
    assert.equal(staticJoin.value.generationId, 1);
    const follower = sync(harness, syncRequest({ memberId: dynamic.memberId }));
    const restarted = join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    await drain();
    assert.equal(follower.value.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(groupState(harness), 'PreparingRebalance');
    join(harness, joinRequest({ memberId: dynamic.memberId }));
    await drain();
    assert.equal(restarted.value.generationId, 2);
  });

  test('a restart that changes the selected protocol rebalances', async () => {
    const harness = createHarness();
    const both = [
      { name: 'range', metadata: Buffer.from('r') },
      { name: 'roundrobin', metadata: Buffer.from('rr') },
    ];
    const { staticId, dynamicId } = await (async () => {
      const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a', protocols: both }));
      const dynamic = await joinNewDynamic(harness, { protocols: both });
      await advance(harness, 0);
      const id = staticJoin.value.memberId ?? '';
      sync(harness, syncRequest({ memberId: id, groupInstanceId: 'instance-a', assignments: [] }));
      sync(harness, syncRequest({ memberId: dynamic.memberId }));
      await drain();
      return { staticId: id, dynamicId: dynamic.memberId };
    })();
    assert.equal(groupState(harness), 'Stable');
    assert.ok(staticId);
    const restarted = join(harness, joinRequest({ groupInstanceId: 'instance-a', protocols: [both[1]!] }));
    await drain();
    assert.equal(restarted.done, false, 'roundrobin would now win the vote: a rebalance is needed');
    assert.equal(groupState(harness), 'PreparingRebalance');
    join(harness, joinRequest({ memberId: dynamicId, protocols: both }));
    await drain();
    assert.deepEqual([restarted.value.generationId, restarted.value.protocolName], [2, 'roundrobin']);
  });

  test('a static member that misses the rebalance timeout keeps its place; a dynamic one is removed', async () => {
    const harness = createHarness();
    const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a', rebalanceTimeoutMs: 10_000, sessionTimeoutMs: 60_000 }));
    const dynamicA = await joinNewDynamic(harness, { rebalanceTimeoutMs: 10_000, sessionTimeoutMs: 60_000 });
    const dynamicB = await joinNewDynamic(harness, { rebalanceTimeoutMs: 10_000, sessionTimeoutMs: 60_000 });
    await advance(harness, 0);
    const staticId = staticJoin.value.memberId ?? '';
    sync(harness, syncRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    sync(harness, syncRequest({ memberId: dynamicA.memberId }));
    sync(harness, syncRequest({ memberId: dynamicB.memberId }));
    await drain();
    // Only dynamic member A rejoins (with new metadata, which starts the rebalance).
    const rejoin = join(harness, joinRequest({ memberId: dynamicA.memberId, rebalanceTimeoutMs: 10_000, sessionTimeoutMs: 60_000, protocols: [{ name: 'range', metadata: subscription(['payments']) }] }));
    await advance(harness, 10_000);
    assert.equal(rejoin.value.generationId, 2);
    assert.equal(rejoin.value.leader, dynamicA.memberId, 'the static leader did not rejoin, so a member that did leads');
    assert.deepEqual(rejoin.value.members?.map((member) => member.memberId), [staticId, dynamicA.memberId]);
    assert.deepEqual(memberIdsOf(harness), [staticId, dynamicA.memberId]);
  });

  test('LeaveGroup by instance id alone removes a static member; a wrong member id for an instance is FENCED_INSTANCE_ID', async () => {
    const harness = createHarness();
    const { staticId, dynamicId } = await staticAndDynamic(harness);
    const fenced = harness.coordinator.leaveGroup(leaveRequest({ members: [{ memberId: dynamicId, groupInstanceId: 'instance-a', reason: null }] }), 3);
    assert.equal(fenced.members?.[0]?.errorCode, ErrorCode.FENCED_INSTANCE_ID);
    const unknownInstance = harness.coordinator.leaveGroup(leaveRequest({ members: [{ memberId: '', groupInstanceId: 'instance-z', reason: null }] }), 3);
    assert.equal(unknownInstance.members?.[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const removed = harness.coordinator.leaveGroup(leaveRequest({ members: [{ memberId: '', groupInstanceId: 'instance-a', reason: 'scale down' }] }), 3);
    assert.deepEqual(removed.members, [{ memberId: '', groupInstanceId: 'instance-a', errorCode: 0 }]);
    assert.deepEqual(memberIdsOf(harness), [dynamicId]);
    assert.equal(groupState(harness), 'PreparingRebalance');
    const rejoin = join(harness, joinRequest({ memberId: staticId, groupInstanceId: 'instance-a' }));
    await drain();
    assert.equal(rejoin.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'the removed instance must join afresh');
  });

  test('a known member id with an instance id it does not have is UNKNOWN_MEMBER_ID (instance unknown) on join', async () => {
    const harness = createHarness();
    const { dynamicId } = await staticAndDynamic(harness);
    const answer = join(harness, joinRequest({ memberId: dynamicId, groupInstanceId: 'instance-new' }));
    await drain();
    assert.equal(answer.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
