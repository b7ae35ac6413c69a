/**
 * Committed offsets: OffsetCommit (simple and group commits, partition and metadata checks),
 * OffsetFetch in its single-group (v0-7) and multi-group (v8+) forms, OffsetDelete.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import {
  advance,
  commitPartition,
  commitRequest,
  createHarness,
  drain,
  fetchRequest,
  groupState,
  heartbeat,
  join,
  joinNewDynamic,
  joinRequest,
  memberIdsOf,
  stableGroup,
  subscription,
  type Harness,
} from './groups/harness.js';

function commitErrors(harness: Harness, fields: Parameters<typeof commitRequest>[0], version = 8): Array<[string, number, number]> {
  const response = harness.coordinator.offsetCommit(commitRequest(fields), version);
  return (response.topics ?? []).flatMap((topic) => (topic.partitions ?? []).map((partition): [string, number, number] => [topic.name ?? '', partition.partitionIndex ?? -1, partition.errorCode ?? -1]));
}

function fetched(harness: Harness, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, version = 7) {
  return harness.coordinator.offsetFetch(fetchRequest({ groupId, topics }), version);
}

describe('GroupCoordinator OffsetCommit', () => {
  test('a simple commit (generation -1, no member) creates an Empty group and is fetched back', () => {
    const harness = createHarness();
    const errors = commitErrors(harness, { groupId: 'assigners', topics: [{ name: 'orders', partitions: [commitPartition(0, 42n, { leaderEpoch: 7, metadata: 'm' }), commitPartition(2, 9n, { metadata: null })] }] });
    assert.deepEqual(errors, [['orders', 0, 0], ['orders', 2, 0]]);
    assert.equal(groupState(harness, 'assigners'), 'Empty');
    const listed = harness.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).groups;
    assert.deepEqual(listed, [{ groupId: 'assigners', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
    assert.deepEqual(fetched(harness, 'assigners', [{ name: 'orders', partitionIndexes: [0, 1, 2] }]), {
      throttleTimeMs: 0,
      errorCode: 0,
      topics: [{
        name: 'orders',
        partitions: [
          { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 7, metadata: 'm', errorCode: 0 },
          { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { partitionIndex: 2, committedOffset: 9n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      }],
    });
  });

  test('partitions that do not exist fail alone with UNKNOWN_TOPIC_OR_PARTITION; if none exists no group is created', () => {
    const harness = createHarness();
    const errors = commitErrors(harness, { topics: [
      { name: 'orders', partitions: [commitPartition(1, 1n), commitPartition(3, 1n)] },
      { name: 'missing', partitions: [commitPartition(0, 1n)] },
    ] });
    assert.deepEqual(errors, [['orders', 1, 0], ['orders', 3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], ['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    const none = commitErrors(harness, { groupId: 'nothing', topics: [{ name: 'missing', partitions: [commitPartition(0, 1n)] }] });
    assert.deepEqual(none, [['missing', 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    assert.equal(groupState(harness, 'nothing'), 'Dead');
  });

  test('metadata longer than offsetMetadataMaxBytes is OFFSET_METADATA_TOO_LARGE for that partition only', () => {
    const harness = createHarness({ offsetMetadataMaxBytes: 10 });
    const errors = commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(0, 5n, { metadata: 'x'.repeat(10) }), commitPartition(1, 5n, { metadata: 'x'.repeat(11) })] }] });
    assert.deepEqual(errors, [['orders', 0, 0], ['orders', 1, ErrorCode.OFFSET_METADATA_TOO_LARGE]]);
    const partitions = fetched(harness, 'group', [{ name: 'orders', partitionIndexes: [0, 1] }]).topics?.[0]?.partitions;
    assert.deepEqual(partitions?.map((partition) => partition.committedOffset), [5n, -1n]);
  });

  test('the leader epoch is stored from v6; older commits store -1', () => {
    const harness = createHarness();
    commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(0, 1n, { leaderEpoch: 3 })] }] }, 6);
    commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(1, 1n)] }] }, 5);
    const partitions = fetched(harness, 'group', [{ name: 'orders', partitionIndexes: [0, 1] }], 5).topics?.[0]?.partitions;
    assert.deepEqual(partitions?.map((partition) => partition.committedLeaderEpoch), [3, -1]);
  });

  test('group commits are checked against member and generation', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const memberId = members[1]!.memberId;
    const orders = [{ name: 'orders', partitions: [commitPartition(0, 10n)] }];
    assert.deepEqual(commitErrors(harness, { memberId, generationIdOrMemberEpoch: generationId, topics: orders }), [['orders', 0, 0]]);
    assert.deepEqual(commitErrors(harness, { memberId, generationIdOrMemberEpoch: generationId + 1, topics: orders }), [['orders', 0, ErrorCode.ILLEGAL_GENERATION]]);
    assert.deepEqual(commitErrors(harness, { memberId: 'client-unknown', generationIdOrMemberEpoch: generationId, topics: orders }), [['orders', 0, ErrorCode.UNKNOWN_MEMBER_ID]]);
    assert.deepEqual(commitErrors(harness, { topics: orders }), [['orders', 0, ErrorCode.UNKNOWN_MEMBER_ID]], 'a simple commit cannot touch a live group');
    assert.deepEqual(commitErrors(harness, { groupId: 'absent', memberId, generationIdOrMemberEpoch: 1, topics: orders }, 8), [['orders', 0, ErrorCode.ILLEGAL_GENERATION]]);
    assert.deepEqual(commitErrors(harness, { groupId: 'absent', memberId, generationIdOrMemberEpoch: 1, topics: orders }, 9), [['orders', 0, ErrorCode.GROUP_ID_NOT_FOUND]]);
    assert.equal(groupState(harness, 'absent'), 'Dead');
  });

  test('commits of the current generation are accepted while rebalancing, refused while awaiting the assignment', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 2);
    const orders = [{ name: 'orders', partitions: [commitPartition(0, 11n)] }];
    const leader = join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.deepEqual(commitErrors(harness, { memberId: members[1]!.memberId, generationIdOrMemberEpoch: generationId, topics: orders }), [['orders', 0, 0]]);
    join(harness, joinRequest({ memberId: members[1]!.memberId }));
    await drain();
    assert.equal(leader.value.generationId, generationId + 1);
    assert.equal(groupState(harness), 'CompletingRebalance');
    assert.deepEqual(commitErrors(harness, { memberId: members[1]!.memberId, generationIdOrMemberEpoch: generationId + 1, topics: orders }), [['orders', 0, ErrorCode.REBALANCE_IN_PROGRESS]]);
  });

  test('a group commit keeps the member\'s session alive', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 1, { sessionTimeoutMs: 10_000 });
    const memberId = members[0]!.memberId;
    for (let round = 0; round < 5; round++) {
      await advance(harness, 9_000);
      assert.deepEqual(commitErrors(harness, { memberId, generationIdOrMemberEpoch: generationId, topics: [{ name: 'orders', partitions: [commitPartition(0, BigInt(round))] }] }), [['orders', 0, 0]]);
    }
    assert.deepEqual(memberIdsOf(harness), [memberId]);
    assert.equal(heartbeat(harness, memberId, generationId), ErrorCode.NONE);
  });
});

describe('GroupCoordinator OffsetFetch', () => {
  test('v0/v1 carry no leader epoch and no top-level error; a missing group answers -1', () => {
    const harness = createHarness();
    commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(0, 3n, { leaderEpoch: 2 })] }] });
    for (const version of [0, 1]) {
      assert.deepEqual(fetched(harness, 'group', [{ name: 'orders', partitionIndexes: [0] }], version), {
        throttleTimeMs: 0,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 3n, metadata: '', errorCode: 0 }] }],
      });
    }
    assert.deepEqual(fetched(harness, 'nobody', [{ name: 'orders', partitionIndexes: [1] }], 1).topics?.[0]?.partitions, [
      { partitionIndex: 1, committedOffset: -1n, metadata: '', errorCode: 0 },
    ]);
  });

  test('null topics (v2+) returns every committed offset of the group, none for a missing group', () => {
    const harness = createHarness();
    commitErrors(harness, { topics: [
      { name: 'payments', partitions: [commitPartition(1, 8n)] },
      { name: 'orders', partitions: [commitPartition(2, 4n), commitPartition(0, 1n)] },
    ] });
    const all = fetched(harness, 'group', null, 7);
    assert.deepEqual(all.topics?.map((topic) => [topic.name, topic.partitions?.map((partition) => [partition.partitionIndex, partition.committedOffset])]), [
      ['payments', [[1, 8n]]],
      ['orders', [[2, 4n], [0, 1n]]],
    ]);
    assert.deepEqual(fetched(harness, 'nobody', null, 7), { throttleTimeMs: 0, errorCode: 0, topics: [] });
  });

  test('v8+ fetches many groups at once', () => {
    const harness = createHarness();
    commitErrors(harness, { groupId: 'g1', topics: [{ name: 'orders', partitions: [commitPartition(0, 100n)] }] });
    commitErrors(harness, { groupId: 'g2', topics: [{ name: 'payments', partitions: [commitPartition(1, 200n, { metadata: 'two' })] }] });
    const response = harness.coordinator.offsetFetch(
      fetchRequest({
        groups: [
          { groupId: 'g1', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0, 1] }] },
          { groupId: 'g2', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'g3', memberId: null, memberEpoch: -1, topics: null },
        ],
      }),
      8,
    );
    assert.deepEqual(response, {
      throttleTimeMs: 0,
      groups: [
        { groupId: 'g1', errorCode: 0, topics: [{ name: 'orders', partitions: [
          { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ] }] },
        { groupId: 'g2', errorCode: 0, topics: [{ name: 'payments', partitions: [{ partitionIndex: 1, committedOffset: 200n, committedLeaderEpoch: -1, metadata: 'two', errorCode: 0 }] }] },
        { groupId: 'g3', errorCode: 0, topics: [] },
      ],
    });
  });

  test('after close, v2+ report COORDINATOR_NOT_AVAILABLE at the top and v0/v1 on each partition', () => {
    const harness = createHarness();
    harness.coordinator.close();
    assert.equal(fetched(harness, 'group', [{ name: 'orders', partitionIndexes: [0] }], 2).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.deepEqual(fetched(harness, 'group', [{ name: 'orders', partitionIndexes: [0] }], 1).topics?.[0]?.partitions, [
      { partitionIndex: 0, committedOffset: -1n, metadata: '', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE },
    ]);
  });
});

describe('GroupCoordinator OffsetDelete', () => {
  function deleteErrors(harness: Harness, groupId: string, topics: Array<{ name: string; partitions: number[] }>) {
    const response = harness.coordinator.offsetDelete({ groupId, topics: topics.map(({ name, partitions }) => ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex })) })) }, 0);
    return { errorCode: response.errorCode, partitions: (response.topics ?? []).flatMap((topic) => (topic.partitions ?? []).map((partition) => [topic.name, partition.partitionIndex, partition.errorCode])) };
  }

  test('an empty group\'s offsets are deleted; missing group and empty id are refused', () => {
    const harness = createHarness();
    commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(0, 1n), commitPartition(1, 2n)] }] });
    assert.deepEqual(deleteErrors(harness, 'group', [{ name: 'orders', partitions: [0] }]), { errorCode: 0, partitions: [['orders', 0, 0]] });
    assert.deepEqual(fetched(harness, 'group', null).topics?.[0]?.partitions?.map((partition) => partition.partitionIndex), [1]);
    assert.deepEqual(deleteErrors(harness, 'missing', [{ name: 'orders', partitions: [0] }]), { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] });
    assert.deepEqual(deleteErrors(harness, '', [{ name: 'orders', partitions: [0] }]), { errorCode: ErrorCode.INVALID_GROUP_ID, partitions: [] });
  });

  test('a live consumer group keeps the offsets of subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC) but not the others', async () => {
    const harness = createHarness();
    const { members, generationId } = await stableGroup(harness, 1, { protocols: [{ name: 'range', metadata: subscription(['orders']) }] });
    commitErrors(harness, { memberId: members[0]!.memberId, generationIdOrMemberEpoch: generationId, topics: [
      { name: 'orders', partitions: [commitPartition(0, 1n)] },
      { name: 'payments', partitions: [commitPartition(0, 1n)] },
    ] });
    assert.deepEqual(deleteErrors(harness, 'group', [{ name: 'orders', partitions: [0] }, { name: 'payments', partitions: [0] }]), {
      errorCode: 0,
      partitions: [['orders', 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC], ['payments', 0, 0]],
    });
    assert.deepEqual(fetched(harness, 'group', null).topics?.map((topic) => topic.name), ['orders']);
  });

  test('unreadable consumer subscriptions count as subscribed to everything; a live non-consumer group is NON_EMPTY_GROUP', async () => {
    const harness = createHarness();
    await stableGroup(harness, 1, { protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0]) }] });
    assert.deepEqual(deleteErrors(harness, 'group', [{ name: 'payments', partitions: [1] }]).partitions, [['payments', 1, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]);

    const connect = createHarness();
    const { members } = await stableGroup(connect, 1, { groupId: 'workers', protocolType: 'connect', protocols: [{ name: 'sessioned', metadata: Buffer.from('w') }] });
    assert.equal(members.length, 1);
    assert.deepEqual(deleteErrors(connect, 'workers', [{ name: 'orders', partitions: [0] }]), { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] });
  });

  test("while a consumer group's first generation forms its topics are unknown, so every topic counts as subscribed", async () => {
    const harness = createHarness();
    commitErrors(harness, { topics: [{ name: 'orders', partitions: [commitPartition(0, 1n)] }] });
    await joinNewDynamic(harness);
    assert.equal(groupState(harness), 'PreparingRebalance');
    assert.deepEqual(deleteErrors(harness, 'group', [{ name: 'orders', partitions: [0] }]).partitions, [['orders', 0, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]]);
  });
});
