import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockCluster } from '../../../../src/broker/index.js';
import { DeleteGroups } from '../../../../src/protocol/generated/delete-groups.js';
import { DescribeGroups } from '../../../../src/protocol/generated/describe-groups.js';
import { Heartbeat } from '../../../../src/protocol/generated/heartbeat.js';
import { JoinGroup } from '../../../../src/protocol/generated/join-group.js';
import { LeaveGroup } from '../../../../src/protocol/generated/leave-group.js';
import { ListGroups } from '../../../../src/protocol/generated/list-groups.js';
import { OffsetCommit } from '../../../../src/protocol/generated/offset-commit.js';
import { OffsetDelete } from '../../../../src/protocol/generated/offset-delete.js';
import { OffsetFetch } from '../../../../src/protocol/generated/offset-fetch.js';
import { SyncGroup } from '../../../../src/protocol/generated/sync-group.js';
import { connectTo } from '../fixtures.js';
import type { RawClient } from '../raw-client.js';

const NOT_COORDINATOR = 16;

/** Joins `groupId` as its only member (JoinGroup v3: no member id round trip) and syncs. */
async function joinAlone(client: RawClient, groupId: string): Promise<{ memberId: string; generationId: number }> {
  const joined = await client.send(JoinGroup, 3, {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]) }],
  });
  assert.equal(joined.errorCode, 0);
  const synced = await client.send(SyncGroup, 2, { groupId, generationId: joined.generationId, memberId: joined.memberId, assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a') }] });
  assert.equal(synced.errorCode, 0);
  assert.equal(synced.assignment.toString(), 'a');
  return { memberId: joined.memberId, generationId: joined.generationId };
}

describe('group APIs routed to the coordinator', () => {
  let cluster: MockCluster;
  let one: RawClient;
  let two: RawClient;
  before(async () => {
    cluster = await MockCluster.start({ brokers: 2, topics: [{ name: 'offsets', partitions: 2 }] });
    await cluster.setCoordinator('group', 'g-one', 1);
    await cluster.setCoordinator('group', 'g-two', 2);
    one = await connectTo(cluster, 1);
    two = await connectTo(cluster, 2);
  });
  after(async () => {
    await one.close();
    await two.close();
    await cluster.stop();
  });

  it('serves a group on its coordinator and answers NOT_COORDINATOR elsewhere, for every single-group API', async () => {
    const member = await joinAlone(one, 'g-one');
    const join = await two.send(JoinGroup, 5, { groupId: 'g-one', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [] });
    assert.deepEqual([join.errorCode, join.generationId, join.memberId, join.leader], [NOT_COORDINATOR, -1, '', '']);
    const sync = await two.send(SyncGroup, 3, { groupId: 'g-one', generationId: member.generationId, memberId: member.memberId, assignments: [] });
    assert.equal(sync.errorCode, NOT_COORDINATOR);
    assert.equal((await two.send(Heartbeat, 3, { groupId: 'g-one', generationId: member.generationId, memberId: member.memberId })).errorCode, NOT_COORDINATOR);
    assert.equal((await one.send(Heartbeat, 3, { groupId: 'g-one', generationId: member.generationId, memberId: member.memberId })).errorCode, 0);

    const commit = {
      groupId: 'g-one',
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, committedOffset: 12n, committedMetadata: 'm' }, { partitionIndex: 1, committedOffset: 7n, committedMetadata: null }] }],
    };
    const refused = await two.send(OffsetCommit, 7, commit);
    assert.deepEqual(refused.topics[0]!.partitions.map((p) => p.errorCode), [NOT_COORDINATOR, NOT_COORDINATOR]);
    const committed = await one.send(OffsetCommit, 7, commit);
    assert.deepEqual(committed.topics[0]!.partitions.map((p) => p.errorCode), [0, 0]);

    const fetchOld = await two.send(OffsetFetch, 5, { groupId: 'g-one', topics: [{ name: 'offsets', partitionIndexes: [0] }] });
    assert.deepEqual([fetchOld.errorCode, fetchOld.topics], [NOT_COORDINATOR, []]);
    const fetchV1 = await two.send(OffsetFetch, 1, { groupId: 'g-one', topics: [{ name: 'offsets', partitionIndexes: [0, 1] }] });
    assert.deepEqual(fetchV1.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.committedOffset]), [
      [0, NOT_COORDINATOR, -1n],
      [1, NOT_COORDINATOR, -1n],
    ]);
    const fetched = await one.send(OffsetFetch, 5, { groupId: 'g-one', topics: [{ name: 'offsets', partitionIndexes: [0, 1] }] });
    assert.deepEqual(fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), [
      [0, 12n, 'm', 0],
      [1, 7n, '', 0],
    ]);

    const deleteOffsets = await two.send(OffsetDelete, 0, { groupId: 'g-one', topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(deleteOffsets.errorCode, NOT_COORDINATOR);
    const leave = await two.send(LeaveGroup, 2, { groupId: 'g-one', memberId: member.memberId });
    assert.equal(leave.errorCode, NOT_COORDINATOR);
    assert.equal((await one.send(LeaveGroup, 2, { groupId: 'g-one', memberId: member.memberId })).errorCode, 0);
  });

  it('splits batched requests by coordinator: OffsetFetch v8, DescribeGroups, DeleteGroups; ListGroups lists local groups', async () => {
    await joinAlone(one, 'g-one');
    const member = await joinAlone(two, 'g-two');
    await two.send(OffsetCommit, 7, {
      groupId: 'g-two',
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      topics: [{ name: 'offsets', partitions: [{ partitionIndex: 1, committedOffset: 99n }] }],
    });
    const batched = await two.send(OffsetFetch, 8, {
      groups: [
        { groupId: 'g-one', topics: null },
        { groupId: 'g-two', topics: [{ name: 'offsets', partitionIndexes: [1] }] },
      ],
    });
    assert.deepEqual(
      batched.groups.map((group) => [group.groupId, group.errorCode, group.topics.flatMap((topic) => topic.partitions.map((p) => p.committedOffset))]),
      [
        ['g-one', NOT_COORDINATOR, []],
        ['g-two', 0, [99n]],
      ],
    );
    const described = await one.send(DescribeGroups, 5, { groups: ['g-two', 'g-one'] });
    assert.deepEqual(
      described.groups.map((group) => [group.groupId, group.errorCode, group.groupState, group.members.length]),
      [
        ['g-two', NOT_COORDINATOR, '', 0],
        ['g-one', 0, 'Stable', 1],
      ],
    );
    const listedOne = await one.send(ListGroups, 4, {});
    const listedTwo = await two.send(ListGroups, 4, {});
    assert.deepEqual(
      [listedOne.groups.map((group) => group.groupId), listedTwo.groups.map((group) => group.groupId)],
      [['g-one'], ['g-two']],
    );
    const deleted = await two.send(DeleteGroups, 2, { groupsNames: ['g-one', 'g-two'] });
    // g-two still has a member: Kafka refuses to delete a non-empty group.
    assert.deepEqual(
      deleted.results.map((result) => [result.groupId, result.errorCode]),
      [
        ['g-one', NOT_COORDINATOR],
        ['g-two', 68],
      ],
    );
  });
});
