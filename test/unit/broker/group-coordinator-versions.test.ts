/**
 * Every version of every group API, end to end through the generated codecs: requests are encoded
 * and decoded at the version (so fields a version lacks arrive as their defaults, as from the
 * wire), and every answer must encode at that version (the encoders refuse fields a version lacks)
 * and decode to the expected values.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiDescriptor, Input } from '../../../src/protocol/api.js';
import { DeleteGroups } from '../../../src/protocol/generated/delete-groups.js';
import { DescribeGroups } from '../../../src/protocol/generated/describe-groups.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { Heartbeat } from '../../../src/protocol/generated/heartbeat.js';
import { JoinGroup } from '../../../src/protocol/generated/join-group.js';
import { LeaveGroup } from '../../../src/protocol/generated/leave-group.js';
import { ListGroups } from '../../../src/protocol/generated/list-groups.js';
import { OffsetCommit } from '../../../src/protocol/generated/offset-commit.js';
import { OffsetDelete } from '../../../src/protocol/generated/offset-delete.js';
import { OffsetFetch } from '../../../src/protocol/generated/offset-fetch.js';
import { SyncGroup } from '../../../src/protocol/generated/sync-group.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { Writer } from '../../../src/protocol/primitives/writer.js';
import { CLIENT, advance, createHarness, drain, subscription, type Harness } from './groups/harness.js';

/** The request as the broker would decode it from a client that sent `request` at `version`. */
function asReceived<Request, Response>(api: ApiDescriptor<Request, Response>, version: number, request: NoInfer<Input<Request>>): Request {
  const writer = new Writer();
  api.encodeRequest(writer, version, request);
  return api.decodeRequest(new Reader(writer.finish()), version);
}

/** The response as the client would decode it (encoding fails if a field is not valid at `version`). */
function asSent<Request, Response>(api: ApiDescriptor<Request, Response>, version: number, response: NoInfer<Input<Response>>): Response {
  const writer = new Writer();
  api.encodeResponse(writer, version, response);
  const reader = new Reader(writer.finish());
  const decoded = api.decodeResponse(reader, version);
  assert.equal(reader.remaining(), 0, `${api.name} v${version} response decodes exactly`);
  return decoded;
}

function versions(api: { minVersion: number; maxVersion: number }): number[] {
  return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, index) => api.minVersion + index);
}

const metadata = subscription(['orders']);
const never = new AbortController().signal;

/** Joins a single-member group at JoinGroup `version` (two steps from v4) and returns the decoded answer. */
async function joinAt(harness: Harness, version: number, groupId: string) {
  const request = { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata }] };
  let memberId = '';
  if (version >= 4) {
    const first = asSent(JoinGroup, version, await harness.coordinator.joinGroup(asReceived(JoinGroup, version, request), version, CLIENT, never));
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    memberId = first.memberId;
  }
  const pending = harness.coordinator.joinGroup(asReceived(JoinGroup, version, { ...request, memberId }), version, CLIENT, never);
  await advance(harness, 0);
  return asSent(JoinGroup, version, await pending);
}

describe('group APIs at every version through the codecs', () => {
  test('JoinGroup v0-v9', async () => {
    for (const version of versions(JoinGroup)) {
      const harness = createHarness();
      const joined = await joinAt(harness, version, 'group');
      assert.equal(joined.errorCode, ErrorCode.NONE, `v${version}`);
      assert.equal(joined.generationId, 1);
      assert.equal(joined.leader, joined.memberId);
      assert.equal(joined.protocolName, 'range');
      assert.equal(joined.protocolType, version >= 7 ? 'consumer' : null);
      assert.deepEqual(joined.members.map((member) => [member.memberId, member.metadata]), [[joined.memberId, metadata]]);
      const failed = asSent(JoinGroup, version, await harness.coordinator.joinGroup(asReceived(JoinGroup, version, { groupId: 'group', sessionTimeoutMs: 10 }), version, CLIENT, never));
      assert.equal(failed.errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
      assert.equal(failed.protocolName, version >= 7 ? null : '');
      harness.coordinator.close();
    }
  });

  test('JoinGroup v0 uses the session timeout as rebalance timeout', async () => {
    const harness = createHarness();
    const joined = await joinAt(harness, 0, 'group');
    const sync = harness.coordinator.syncGroup(asReceived(SyncGroup, 0, { groupId: 'group', generationId: 1, memberId: joined.memberId }), 0, never);
    await drain();
    assert.equal(asSent(SyncGroup, 0, await sync).errorCode, ErrorCode.NONE);
    // A second member makes the group rebalance; the first keeps heartbeating but never rejoins:
    // the rebalance timeout (its 10 s session timeout) drops it.
    const other = harness.coordinator.joinGroup(asReceived(JoinGroup, 0, { groupId: 'group', sessionTimeoutMs: 10_000, protocolType: 'consumer', protocols: [{ name: 'range', metadata }] }), 0, CLIENT, never);
    await advance(harness, 5_000);
    const beat = harness.coordinator.heartbeat(asReceived(Heartbeat, 0, { groupId: 'group', generationId: 1, memberId: joined.memberId }), 0);
    assert.equal(beat.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    await advance(harness, 4_999);
    let answered = false;
    void other.then(() => {
      answered = true;
    });
    await drain();
    assert.equal(answered, false);
    await advance(harness, 1);
    assert.equal(answered, true);
    const answer = asSent(JoinGroup, 0, await other);
    assert.equal(answer.generationId, 2);
    assert.deepEqual(answer.members.map((member) => member.memberId), [answer.memberId]);
  });

  test('SyncGroup v0-v5, Heartbeat v0-v4, LeaveGroup v0-v5', async () => {
    for (const version of versions(SyncGroup)) {
      const harness = createHarness();
      const joined = await joinAt(harness, 9, 'group');
      const request = { groupId: 'group', generationId: 1, memberId: joined.memberId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: joined.memberId, assignment: Buffer.from('A') }] };
      const synced = asSent(SyncGroup, version, await harness.coordinator.syncGroup(asReceived(SyncGroup, version, version >= 5 ? request : { ...request, protocolType: null, protocolName: null }), version, never));
      assert.deepEqual([synced.errorCode, synced.assignment, synced.protocolName], [ErrorCode.NONE, Buffer.from('A'), version >= 5 ? 'range' : null], `SyncGroup v${version}`);
      harness.coordinator.close();
    }
    for (const version of versions(Heartbeat)) {
      const harness = createHarness();
      const joined = await joinAt(harness, 9, 'group');
      const beat = asSent(Heartbeat, version, harness.coordinator.heartbeat(asReceived(Heartbeat, version, { groupId: 'group', generationId: 1, memberId: joined.memberId }), version));
      assert.equal(beat.errorCode, ErrorCode.NONE, `Heartbeat v${version}`);
      const stale = asSent(Heartbeat, version, harness.coordinator.heartbeat(asReceived(Heartbeat, version, { groupId: 'group', generationId: 0, memberId: joined.memberId }), version));
      assert.equal(stale.errorCode, ErrorCode.ILLEGAL_GENERATION);
      harness.coordinator.close();
    }
    for (const version of versions(LeaveGroup)) {
      const harness = createHarness();
      const joined = await joinAt(harness, 9, 'group');
      const request = version >= 3 ? { groupId: 'group', members: [{ memberId: joined.memberId }, { memberId: 'gone' }] } : { groupId: 'group', memberId: joined.memberId };
      const left = asSent(LeaveGroup, version, harness.coordinator.leaveGroup(asReceived(LeaveGroup, version, request), version));
      assert.equal(left.errorCode, ErrorCode.NONE, `LeaveGroup v${version}`);
      assert.deepEqual(left.members.map((member) => [member.memberId, member.errorCode]), version >= 3 ? [[joined.memberId, 0], ['gone', ErrorCode.UNKNOWN_MEMBER_ID]] : []);
      harness.coordinator.close();
    }
  });

  test('OffsetCommit v0-v9 and OffsetFetch v0-v9', () => {
    for (const commitVersion of versions(OffsetCommit)) {
      const harness = createHarness();
      const request = { groupId: 'group', topics: [{ name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 50n, committedLeaderEpoch: commitVersion >= 6 ? 4 : -1, committedMetadata: 'meta' }] }] };
      const committed = asSent(OffsetCommit, commitVersion, harness.coordinator.offsetCommit(asReceived(OffsetCommit, commitVersion, request), commitVersion));
      assert.deepEqual(committed.topics.map((topic) => [topic.name, topic.partitions.map((partition) => [partition.partitionIndex, partition.errorCode])]), [['orders', [[1, 0]]]], `OffsetCommit v${commitVersion}`);
      for (const fetchVersion of versions(OffsetFetch)) {
        const fetchRequest = fetchVersion >= 8
          ? { groups: [{ groupId: 'group', topics: [{ name: 'orders', partitionIndexes: [1] }] }] }
          : { groupId: 'group', topics: [{ name: 'orders', partitionIndexes: [1] }] };
        const response = asSent(OffsetFetch, fetchVersion, harness.coordinator.offsetFetch(asReceived(OffsetFetch, fetchVersion, fetchRequest), fetchVersion));
        const partition = fetchVersion >= 8 ? response.groups[0]?.topics[0]?.partitions[0] : response.topics[0]?.partitions[0];
        assert.equal(partition?.committedOffset, 50n, `OffsetFetch v${fetchVersion} after commit v${commitVersion}`);
        assert.equal(partition?.metadata, 'meta');
        assert.equal(partition?.committedLeaderEpoch, fetchVersion >= 5 && commitVersion >= 6 ? 4 : -1);
      }
      harness.coordinator.close();
    }
  });

  test('OffsetDelete v0, DescribeGroups v0-v5, ListGroups v0-v5, DeleteGroups v0-v2', async () => {
    const harness = createHarness();
    const joined = await joinAt(harness, 9, 'live');
    harness.coordinator.offsetCommit(asReceived(OffsetCommit, 8, { groupId: 'idle', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n }] }] }), 8);
    const deleted = asSent(OffsetDelete, 0, harness.coordinator.offsetDelete(asReceived(OffsetDelete, 0, { groupId: 'idle', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }] }] }), 0));
    assert.deepEqual([deleted.errorCode, deleted.topics[0]?.partitions[0]?.errorCode], [0, 0]);
    for (const version of versions(DescribeGroups)) {
      const described = asSent(DescribeGroups, version, harness.coordinator.describeGroups(asReceived(DescribeGroups, version, { groups: ['live', 'none'], includeAuthorizedOperations: version >= 3 }), version));
      assert.deepEqual(described.groups.map((group) => [group.groupId, group.groupState, group.members.length]), [['live', 'CompletingRebalance', 1], ['none', 'Dead', 0]], `DescribeGroups v${version}`);
      assert.equal(described.groups[0]?.members[0]?.memberId, joined.memberId);
      assert.equal(described.groups[0]?.authorizedOperations, version >= 3 ? 3400 : -2147483648);
    }
    for (const version of versions(ListGroups)) {
      const listed = asSent(ListGroups, version, harness.coordinator.listGroups(asReceived(ListGroups, version, version >= 4 ? { statesFilter: ['Empty', 'CompletingRebalance'] } : {}), version));
      assert.deepEqual(listed.groups.map((group) => [group.groupId, group.protocolType, group.groupState, group.groupType]), [
        ['live', 'consumer', version >= 4 ? 'CompletingRebalance' : '', version >= 5 ? 'classic' : ''],
        ['idle', '', version >= 4 ? 'Empty' : '', version >= 5 ? 'classic' : ''],
      ], `ListGroups v${version}`);
    }
    for (const version of versions(DeleteGroups)) {
      const results = asSent(DeleteGroups, version, harness.coordinator.deleteGroups(asReceived(DeleteGroups, version, { groupsNames: ['live', 'missing'] }), version));
      assert.deepEqual(results.results.map((result) => [result.groupId, result.errorCode]), [['live', ErrorCode.NON_EMPTY_GROUP], ['missing', ErrorCode.GROUP_ID_NOT_FOUND]], `DeleteGroups v${version}`);
    }
    harness.coordinator.close();
  });
});
