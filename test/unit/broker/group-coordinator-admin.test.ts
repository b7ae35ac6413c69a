/**
 * DescribeGroups, ListGroups, DeleteGroups, topic deletion, the bound on the number of groups and
 * the coordinator's option checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KafkaConfigError } from '../../../src/protocol/errors.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { GROUP_AUTHORIZED_OPERATIONS, GroupCoordinator } from '../../../src/broker/group-coordinator.js';
import {
  CLIENT,
  advance,
  commitPartition,
  commitRequest,
  createHarness,
  drain,
  fetchRequest,
  groupState,
  join,
  joinNewDynamic,
  joinRequest,
  stableGroup,
  subscription,
  type Harness,
} from './groups/harness.js';

function commit(harness: Harness, groupId: string, offset = 1n): number {
  const response = harness.coordinator.offsetCommit(commitRequest({ groupId, topics: [{ name: 'orders', partitions: [commitPartition(0, offset)] }] }), 8);
  return response.topics?.[0]?.partitions?.[0]?.errorCode ?? -1;
}

describe('GroupCoordinator DescribeGroups', () => {
  test('a Stable group is described with its protocol, members, metadata and assignments', async () => {
    const harness = createHarness();
    const metadata = subscription(['orders']);
    const { members } = await stableGroup(harness, 2, { protocols: [{ name: 'range', metadata }] });
    const described = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: false }, 5);
    assert.deepEqual(described, {
      throttleTimeMs: 0,
      groups: [{
        errorCode: 0,
        groupId: 'group',
        groupState: 'Stable',
        protocolType: 'consumer',
        protocolData: 'range',
        members: members.map(({ memberId }, index) => ({
          memberId,
          groupInstanceId: null,
          clientId: CLIENT.clientId,
          clientHost: CLIENT.clientHost,
          memberMetadata: metadata,
          memberAssignment: Buffer.from(`assignment-${index}`),
        })),
      }],
    });
  });

  test('a rebalancing group is described without protocol or member metadata; an unknown group is Dead', async () => {
    const harness = createHarness();
    const { members } = await stableGroup(harness, 2);
    join(harness, joinRequest({ memberId: members[0]!.memberId }));
    await drain();
    const [rebalancing, unknown] = harness.coordinator.describeGroups({ groups: ['group', 'unknown'], includeAuthorizedOperations: false }, 3).groups ?? [];
    assert.equal(rebalancing?.groupState, 'PreparingRebalance');
    assert.equal(rebalancing?.protocolData, '');
    assert.deepEqual(rebalancing?.members?.map((member) => [member.memberId, member.memberMetadata, member.memberAssignment]), [
      [members[0]!.memberId, Buffer.alloc(0), Buffer.from('assignment-0')],
      [members[1]!.memberId, Buffer.alloc(0), Buffer.from('assignment-1')],
    ]);
    assert.deepEqual(unknown, { errorCode: 0, groupId: 'unknown', groupState: 'Dead', protocolType: '', protocolData: '', members: [] });
  });

  test('authorized operations are filled in from v3 when asked (no authorizer: every group operation)', async () => {
    const harness = createHarness();
    await stableGroup(harness, 1);
    assert.equal(GROUP_AUTHORIZED_OPERATIONS, 3400);
    const asked = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: true }, 3).groups?.[0];
    assert.equal(asked?.authorizedOperations, 3400);
    const notAsked = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: false }, 3).groups?.[0];
    assert.equal(notAsked?.authorizedOperations, undefined, 'left at the default, -2147483648');
    const old = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: true }, 2).groups?.[0];
    assert.equal(old?.authorizedOperations, undefined);
  });

  test('instance ids are described from v4', async () => {
    const harness = createHarness();
    const staticJoin = join(harness, joinRequest({ groupInstanceId: 'instance-a' }));
    await advance(harness, 0);
    assert.equal(staticJoin.value.errorCode, ErrorCode.NONE);
    const v4 = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: false }, 4).groups?.[0]?.members?.[0];
    assert.equal(v4?.groupInstanceId, 'instance-a');
    const v3 = harness.coordinator.describeGroups({ groups: ['group'], includeAuthorizedOperations: false }, 3).groups?.[0]?.members?.[0];
    assert.equal(v3 !== undefined && 'groupInstanceId' in v3, false);
  });
});

describe('GroupCoordinator ListGroups', () => {
  test('lists every group with protocol type; state from v4, type from v5, filters case-insensitive', async () => {
    const harness = createHarness();
    await stableGroup(harness, 1, { groupId: 'consumers' });
    commit(harness, 'simple');
    await joinNewDynamic(harness, { groupId: 'forming' });
    const all = harness.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 5).groups;
    assert.deepEqual(all, [
      { groupId: 'consumers', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
      { groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' },
      { groupId: 'forming', protocolType: 'consumer', groupState: 'PreparingRebalance', groupType: 'classic' },
    ]);
    assert.deepEqual(harness.coordinator.listGroups({ statesFilter: [], typesFilter: [] }, 0).groups, [
      { groupId: 'consumers', protocolType: 'consumer' },
      { groupId: 'simple', protocolType: '' },
      { groupId: 'forming', protocolType: 'consumer' },
    ]);
    const stableOrEmpty = harness.coordinator.listGroups({ statesFilter: ['STABLE', ' empty'], typesFilter: [] }, 4).groups;
    assert.deepEqual(stableOrEmpty?.map((group) => group.groupId), ['consumers', 'simple']);
    assert.deepEqual(harness.coordinator.listGroups({ statesFilter: [], typesFilter: ['Classic'] }, 5).groups?.length, 3);
    assert.deepEqual(harness.coordinator.listGroups({ statesFilter: [], typesFilter: ['consumer'] }, 5).groups, []);
    assert.deepEqual(harness.coordinator.listGroups({ statesFilter: ['stable'], typesFilter: ['consumer'] }, 3).groups?.length, 3, 'filters need v4/v5');
  });
});

describe('GroupCoordinator DeleteGroups', () => {
  test('empty groups are deleted with their offsets; live ones are NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND', async () => {
    const harness = createHarness();
    await stableGroup(harness, 1, { groupId: 'live' });
    assert.equal(commit(harness, 'idle', 77n), ErrorCode.NONE);
    const response = harness.coordinator.deleteGroups({ groupsNames: ['idle', 'live', 'unknown', 'idle'] }, 2);
    assert.deepEqual(response, {
      throttleTimeMs: 0,
      results: [
        { groupId: 'idle', errorCode: 0 },
        { groupId: 'live', errorCode: ErrorCode.NON_EMPTY_GROUP },
        { groupId: 'unknown', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
      ],
    });
    assert.equal(groupState(harness, 'idle'), 'Dead');
    const offsets = harness.coordinator.offsetFetch(fetchRequest({ groupId: 'idle', topics: [{ name: 'orders', partitionIndexes: [0] }] }), 7);
    assert.equal(offsets.topics?.[0]?.partitions?.[0]?.committedOffset, -1n);
    assert.equal(groupState(harness, 'live'), 'Stable');
  });

  test('a deleted group forgets member ids it handed out', async () => {
    const harness = createHarness();
    const first = join(harness, joinRequest());
    await drain();
    assert.equal(harness.clock.pendingCount, 1, 'the handed-out id expires by a timer');
    assert.deepEqual(harness.coordinator.deleteGroups({ groupsNames: ['group'] }, 0).results, [{ groupId: 'group', errorCode: 0 }]);
    assert.equal(harness.clock.pendingCount, 0);
    const late = join(harness, joinRequest({ memberId: first.value.memberId ?? '' }));
    await drain();
    assert.equal(late.value.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('GroupCoordinator bounds and options', () => {
  test('at maxGroups the oldest group holding nothing makes room; when every group holds offsets, new ones are refused', async () => {
    const harness = createHarness({ maxGroups: 2 });
    const husk = join(harness, joinRequest({ groupId: 'husk' }));
    await drain();
    harness.coordinator.leaveGroup({ groupId: 'husk', memberId: husk.value.memberId ?? '', members: [] }, 1);
    assert.equal(groupState(harness, 'husk'), 'Empty');
    assert.equal(commit(harness, 'a'), ErrorCode.NONE);
    assert.equal(commit(harness, 'b'), ErrorCode.NONE, 'the husk was forgotten to make room');
    assert.equal(groupState(harness, 'husk'), 'Dead');
    assert.equal(commit(harness, 'c'), ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const refused = join(harness, joinRequest({ groupId: 'd' }));
    await drain();
    assert.equal(refused.value.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(commit(harness, 'a', 2n), ErrorCode.NONE, 'existing groups keep working');
  });

  test('deleteTopicOffsets drops a deleted topic\'s offsets from every group', () => {
    const harness = createHarness();
    commit(harness, 'a');
    harness.coordinator.offsetCommit(commitRequest({ groupId: 'a', topics: [{ name: 'payments', partitions: [commitPartition(1, 5n)] }] }), 8);
    commit(harness, 'b');
    harness.coordinator.deleteTopicOffsets('orders');
    const all = (groupId: string) => harness.coordinator.offsetFetch(fetchRequest({ groupId, topics: null }), 7).topics?.map((topic) => topic.name);
    assert.deepEqual(all('a'), ['payments']);
    assert.deepEqual(all('b'), []);
  });

  test('bad options are a KafkaConfigError', () => {
    const partitionExists = () => true;
    assert.throws(() => new GroupCoordinator({ partitionExists, minSessionTimeoutMs: 10, maxSessionTimeoutMs: 5 }), KafkaConfigError);
    assert.throws(() => new GroupCoordinator({ partitionExists, groupMaxSize: 0 }), KafkaConfigError);
    assert.throws(() => new GroupCoordinator({ partitionExists, initialRebalanceDelayMs: -1 }), KafkaConfigError);
    assert.throws(() => new GroupCoordinator({ partitionExists, offsetMetadataMaxBytes: 1.5 }), KafkaConfigError);
    const coordinator = new GroupCoordinator({ partitionExists });
    coordinator.close();
  });

  test('the default clock is real time; close() leaves no timer behind', async () => {
    const coordinator = new GroupCoordinator({ partitionExists: () => true, minSessionTimeoutMs: 1_000 });
    const answer = await coordinator.joinGroup(joinRequest(), 3, CLIENT, new AbortController().signal);
    assert.equal(answer.errorCode, ErrorCode.NONE, 'the initial delay of 0 passes on the real clock');
    assert.equal(answer.generationId, 1);
    coordinator.close();
  });
});
