/**
 * Commits and committed-offset reads against a scripted coordinator: what a member's OffsetCommit
 * carries, retries, generation fencing (CommitFailed and a rejoin), commits during a cooperative
 * rebalance (waiting, then only the partitions still owned), commits from a revoke callback, call
 * order, OffsetFetch (none = null, UNSTABLE_OFFSET_COMMIT retried), and the assign()-mode
 * OffsetCommitter (generation -1).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GroupMembership, topicPartitionKey, type CommittedOffset, type MembershipOptions } from '../../../../src/consumer/group/membership.js';
import { OffsetCommitter } from '../../../../src/consumer/group/committer.js';
import { KafkaCommitFailedError, KafkaRebalanceInProgressError } from '../../../../src/consumer/group/errors.js';
import { CooperativeStickyAssignor, RangeAssignor, encodeAssignment } from '../../../../src/consumer/assignors/index.js';
import { silentLogger } from '../../../../src/cluster/logger.js';
import { KafkaInvalidArgumentError, KafkaTimeoutError } from '../../../../src/protocol/errors.js';
import type { OffsetCommitRequest, OffsetFetchRequest } from '../../../../src/protocol/generated/index.js';
import { waitFor } from '../../../support/wait.js';
import { GroupBroker, RecordingHost, commitAnswer, errorAnswer, fetchAnswer, followerJoin, parked } from './scripted-group.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  // Every closer runs; the first failure is reported afterwards.
  const failures: unknown[] = [];
  for (const close of closers.reverse()) await close().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

const COORDINATOR_LOAD_IN_PROGRESS = 14;
const NOT_COORDINATOR = 16;
const ILLEGAL_GENERATION = 22;
const UNKNOWN_MEMBER_ID = 25;
const REBALANCE_IN_PROGRESS = 27;
const UNSTABLE_OFFSET_COMMIT = 88;

function options(overrides: Partial<MembershipOptions> = {}): MembershipOptions {
  return {
    groupId: 'g',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 60_000,
    heartbeatIntervalMs: 5_000,
    assignors: [new RangeAssignor()],
    clientRack: null,
    retryBackoffMs: 10,
    requestTimeoutMs: 5_000,
    logger: silentLogger,
    ...overrides,
  };
}

async function setup(memberOptions: Partial<MembershipOptions> = {}, brokerOptions: Parameters<typeof GroupBroker.start>[0] = {}) {
  const group = await GroupBroker.start({ topics: [{ name: 't', partitions: 3 }], ...brokerOptions });
  const host = new RecordingHost(group.log, ['t']);
  const member = new GroupMembership(group.cluster, options(memberOptions), host);
  closers.push(
    () => group.close(),
    () => member.close(),
  );
  return { group, host, member };
}

function offsets(entries: [number, number][], epoch: number | null = null): Map<string, CommittedOffset> {
  return new Map(entries.map(([partition, offset]) => [topicPartitionKey('t', partition), { offset, leaderEpoch: epoch, metadata: `m${partition}` }]));
}

/** The committed partitions and offsets of an OffsetCommit request, as "t-p@offset". */
function committed(request: { body: unknown }): string[] {
  return (request.body as OffsetCommitRequest).topics.flatMap((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex}@${partition.committedOffset}`));
}

describe('GroupMembership.commitOffsets', () => {
  it('commits with the generation, member id, group instance id and leader epochs', async () => {
    const { group, member } = await setup({ groupInstanceId: 'instance-1' });
    await member.ensureActive();
    await member.commitOffsets(offsets([[0, 10], [2, 30]], 5));
    const request = group.requests('OffsetCommit')[0]!;
    assert.equal(request.apiVersion, 9);
    const body = request.body as OffsetCommitRequest;
    assert.equal(body.generationIdOrMemberEpoch, 1);
    assert.equal(body.memberId, 'member-1');
    assert.equal(body.groupInstanceId, 'instance-1');
    assert.deepEqual(
      body.topics[0]!.partitions.map((partition) => [partition.partitionIndex, partition.committedOffset, partition.committedLeaderEpoch, partition.committedMetadata]),
      [
        [0, 10n, 5, 'm0'],
        [2, 30n, 5, 'm2'],
      ],
    );
  });

  it('retries retriable and coordinator errors, resending only what has not succeeded', async () => {
    const { group, member } = await setup();
    await member.ensureActive();
    const findsBefore = group.broker.requestsOf('FindCoordinator').length;
    group.push(
      'OffsetCommit',
      (request) => commitAnswer(request, (_topic, partition) => (partition === 0 ? 0 : COORDINATOR_LOAD_IN_PROGRESS)),
      (request) => commitAnswer(request, () => NOT_COORDINATOR),
    );
    await member.commitOffsets(offsets([[0, 1], [1, 2], [2, 3]]));
    assert.deepEqual(group.requests('OffsetCommit').map(committed), [['t-0@1', 't-1@2', 't-2@3'], ['t-1@2', 't-2@3'], ['t-1@2', 't-2@3']]);
    assert.equal(group.broker.requestsOf('FindCoordinator').length, findsBefore + 1);
  });

  it('fails with KafkaCommitFailedError on ILLEGAL_GENERATION; the member loses its partitions and rejoins', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    group.push('OffsetCommit', (request) => commitAnswer(request, () => ILLEGAL_GENERATION));
    await assert.rejects(member.commitOffsets(offsets([[0, 5]])), (error: unknown) => error instanceof KafkaCommitFailedError && error.retriable === false);
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(host.calls.map((call) => call.kind), ['assigned', 'lost', 'assigned']);
    // A commit after the rejoin uses the new generation.
    await member.commitOffsets(offsets([[0, 5]]));
    assert.equal((group.requests('OffsetCommit').at(-1)!.body as OffsetCommitRequest).generationIdOrMemberEpoch, 2);
  });

  it('sends commits one at a time, in call order', async () => {
    const { group, member } = await setup();
    await member.ensureActive();
    const first = parked();
    group.push('OffsetCommit', first.answer);
    const one = member.commitOffsets(offsets([[0, 1]]));
    const two = member.commitOffsets(offsets([[0, 2]]));
    const request = await first.arrived;
    // The second commit waits for the first.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(group.requests('OffsetCommit').length, 1);
    first.release(commitAnswer(request, () => 0));
    await Promise.all([one, two]);
    assert.deepEqual(group.requests('OffsetCommit').map(committed), [['t-0@1'], ['t-0@2']]);
  });

  it('refuses bad offsets with KafkaInvalidArgumentError, and fails when not a member', async () => {
    const { member } = await setup();
    await assert.rejects(member.commitOffsets(new Map([['t\u00000', { offset: -1, leaderEpoch: null, metadata: null }]])), KafkaInvalidArgumentError);
    await assert.rejects(member.commitOffsets(new Map([['t-0', { offset: 1, leaderEpoch: null, metadata: null }]])), /not a topic-partition key/);
    await assert.rejects(member.commitOffsets(new Map([['t\u00000', { offset: 1.5, leaderEpoch: null, metadata: null }]])), KafkaInvalidArgumentError);
    await assert.rejects(member.commitOffsets(offsets([[0, 1]])), KafkaCommitFailedError);
  });
});

describe('commits during a rebalance', () => {
  it('cooperative: a commit refused with REBALANCE_IN_PROGRESS waits for the rebalance, then commits with the new generation', async () => {
    const { group, host, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    await member.ensureActive();
    // As librdkafka's mock does while a group rebalances, commits of the old generation are refused.
    group.queues.get('OffsetCommit')!.length = 0;
    const refuseOldGeneration = (request: { body: unknown }) =>
      commitAnswer(request as never, () => ((request.body as OffsetCommitRequest).generationIdOrMemberEpoch === 1 ? REBALANCE_IN_PROGRESS : 0));
    for (let index = 0; index < 20; index++) group.push('OffsetCommit', refuseOldGeneration);
    // This member (a follower now) keeps t-0 and t-1 and gives up t-2, over two rounds.
    const rejoin = parked();
    group.push('JoinGroup', rejoin.answer, followerJoin(3, 'leader-x'));
    const keep = () => ({ response: { errorCode: 0, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }) } });
    group.push('SyncGroup', keep, keep);
    const commit = member.commitOffsets(offsets([[0, 7], [2, 9]]));
    const joinRequest = await rejoin.arrived;
    assert.equal(member.memberState, 'joining');
    assert.equal(member.rebalanceInProgress, true);
    rejoin.release((await followerJoin(2, 'leader-x')(joinRequest)) as never);
    await commit;
    const requests = group.requests('OffsetCommit');
    assert.ok(requests.length >= 2);
    assert.ok(requests.slice(0, -1).every((request) => (request.body as OffsetCommitRequest).generationIdOrMemberEpoch === 1));
    // Sent once SyncGroup completed, before t-2's revocation finished: still its owner then.
    assert.deepEqual(committed(requests.at(-1)!), ['t-0@7', 't-2@9']);
    assert.equal((requests.at(-1)!.body as OffsetCommitRequest).generationIdOrMemberEpoch, 2);
    await waitFor(() => host.calls.length >= 2);
    assert.deepEqual(host.calls[1], { kind: 'revoked', partitions: 't-2' });
  });

  it('a commit waiting for a rebalance fails with KafkaCommitFailedError when the member loses its generation meanwhile', async () => {
    const { group, host, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    await member.ensureActive();
    for (let index = 0; index < 20; index++) group.push('OffsetCommit', (request) => commitAnswer(request, () => REBALANCE_IN_PROGRESS));
    const rejoin = parked();
    group.push('JoinGroup', rejoin.answer);
    const commit = member.commitOffsets(offsets([[1, 3]]));
    await rejoin.arrived;
    rejoin.release({ response: { errorCode: UNKNOWN_MEMBER_ID, generationId: -1, memberId: '' } });
    // Either it sees the generation gone, or (if the lost callback finished first) its partition gone.
    await assert.rejects(commit, (error: unknown) => error instanceof KafkaCommitFailedError && /not part of group g|offsets of t-1 were not committed/.test(error.message));
    assert.ok(group.requests('OffsetCommit').every((request) => (request.body as OffsetCommitRequest).generationIdOrMemberEpoch === 1));
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(host.calls.map((call) => call.kind), ['assigned', 'lost', 'assigned']);
  });

  it('a commit made between JoinGroup and SyncGroup waits for SyncGroup and uses the new generation', async () => {
    const { group, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    await member.ensureActive();
    const sync = parked();
    group.push('SyncGroup', sync.answer);
    member.requestRejoin('test');
    const syncRequest = await sync.arrived;
    assert.equal(member.memberState, 'syncing');
    const commit = member.commitOffsets(offsets([[1, 4]]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(group.requests('OffsetCommit').length, 0);
    sync.release({ response: { errorCode: 0, assignment: encodeAssignment({ partitions: [0, 1, 2].map((partition) => ({ topic: 't', partition })) }) } });
    await commit;
    assert.equal((group.requests('OffsetCommit')[0]!.body as OffsetCommitRequest).generationIdOrMemberEpoch, 2);
    assert.ok(syncRequest !== undefined);
  });

  it('eager: a commit from the revoke callback refused with REBALANCE_IN_PROGRESS fails at once instead of waiting for the rebalance', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    let callbackCommit: Promise<void> | null = null;
    host.onRevoked = async (partitions) => {
      callbackCommit = member.commitOffsets(new Map(partitions.map((tp) => [topicPartitionKey(tp.topic, tp.partition), { offset: 1, leaderEpoch: null, metadata: null }])));
      await callbackCommit.catch(() => undefined);
    };
    group.push('OffsetCommit', (request) => commitAnswer(request, () => REBALANCE_IN_PROGRESS));
    group.push('Heartbeat', errorAnswer(REBALANCE_IN_PROGRESS));
    member.requestRejoin('test');
    await waitFor(() => host.calls.length === 3);
    await assert.rejects(callbackCommit!, KafkaRebalanceInProgressError);
    assert.deepEqual(host.calls.map((call) => call.kind), ['assigned', 'revoked', 'assigned']);
  });

  it('commits made while a partition is revoked after SyncGroup still reach the coordinator in call order', async () => {
    const { group, host, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    await member.ensureActive();
    const order: string[] = [];
    host.onRevoked = async (partitions) => {
      await member.commitOffsets(new Map(partitions.map((tp) => [topicPartitionKey(tp.topic, tp.partition), { offset: 100, leaderEpoch: null, metadata: null }])));
      order.push('revoke-commit');
    };
    group.push('JoinGroup', followerJoin(2, 'leader-x'));
    group.push('SyncGroup', () => ({ response: { errorCode: 0, assignment: encodeAssignment({ partitions: [{ topic: 't', partition: 0 }] }) } }));
    member.requestRejoin('test');
    await waitFor(() => host.calls.length >= 2);
    await waitFor(() => order.length === 1);
    assert.deepEqual(committed(group.requests('OffsetCommit')[0]!), ['t-1@100', 't-2@100']);
    assert.equal((group.requests('OffsetCommit')[0]!.body as OffsetCommitRequest).generationIdOrMemberEpoch, 2);
  });
});

describe('fetchCommittedOffsets', () => {
  it('reads offsets (none = null) with leader epochs and metadata, retrying UNSTABLE_OFFSET_COMMIT', async () => {
    const { group, member } = await setup();
    let calls = 0;
    group.push(
      'OffsetFetch',
      (request) => fetchAnswer(request, (_topic, partition) => (partition === 1 ? { offset: 0n, errorCode: UNSTABLE_OFFSET_COMMIT } : { offset: 0n })),
      (request) => {
        calls++;
        return fetchAnswer(request, (_topic, partition) => (partition === 0 ? { offset: 42n, leaderEpoch: 3, metadata: 'hello' } : { offset: -1n }));
      },
    );
    const result = await member.fetchCommittedOffsets([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 0 }]);
    assert.equal(calls, 1);
    assert.deepEqual(result, new Map([
      [topicPartitionKey('t', 0), { offset: 42, leaderEpoch: 3, metadata: 'hello' }],
      [topicPartitionKey('t', 1), null],
    ]));
    const requests = group.requests('OffsetFetch');
    assert.equal(requests[0]!.apiVersion, 9);
    const body = requests[0]!.body as OffsetFetchRequest;
    assert.equal(body.requireStable, true);
    assert.deepEqual(body.groups.map((entry) => [entry.groupId, entry.topics?.map((topic) => [topic.name, topic.partitionIndexes])]), [['g', [['t', [0, 1]]]]]);
  });

  it('uses the flat request shape before v8', async () => {
    const { group, member } = await setup({}, { versions: { OffsetFetch: 5 } });
    const result = await member.fetchCommittedOffsets([{ topic: 't', partition: 2 }]);
    assert.deepEqual(result, new Map([[topicPartitionKey('t', 2), null]]));
    const body = group.requests('OffsetFetch')[0]!.body as OffsetFetchRequest;
    assert.equal(group.requests('OffsetFetch')[0]!.apiVersion, 5);
    assert.equal(body.groupId, 'g');
    assert.deepEqual(body.topics?.map((topic) => [topic.name, topic.partitionIndexes]), [['t', [2]]]);
  });
});

describe('OffsetCommitter (assign mode)', () => {
  async function committer(): Promise<{ group: GroupBroker; committer: OffsetCommitter }> {
    const group = await GroupBroker.start({ topics: [{ name: 't', partitions: 3 }], versions: { OffsetCommit: 5 } });
    closers.push(() => group.close());
    return { group, committer: new OffsetCommitter(group.cluster, { groupId: 'solo', defaultApiTimeoutMs: 500 }) };
  }

  it('commits with generation -1 and no member id', async () => {
    const { group, committer: solo } = await committer();
    await solo.commitOffsets(offsets([[1, 11]], 2));
    const request = group.requests('OffsetCommit')[0]!;
    assert.equal(request.apiVersion, 5);
    const body = request.body as OffsetCommitRequest;
    assert.deepEqual([body.groupId, body.generationIdOrMemberEpoch, body.memberId], ['solo', -1, '']);
    assert.deepEqual(committed(request), ['t-1@11']);
  });

  it('reports a group with members as KafkaCommitFailedError, a rebalance as KafkaRebalanceInProgressError, endless retriable errors as a timeout', async () => {
    const { group, committer: solo } = await committer();
    group.push('OffsetCommit', (request) => commitAnswer(request, () => UNKNOWN_MEMBER_ID), (request) => commitAnswer(request, () => REBALANCE_IN_PROGRESS));
    await assert.rejects(solo.commitOffsets(offsets([[0, 1]])), KafkaCommitFailedError);
    await assert.rejects(solo.commitOffsets(offsets([[0, 1]])), KafkaRebalanceInProgressError);
    for (let index = 0; index < 200; index++) group.push('OffsetCommit', (request) => commitAnswer(request, () => COORDINATOR_LOAD_IN_PROGRESS));
    await assert.rejects(solo.commitOffsets(offsets([[0, 1]]), { timeoutMs: 200 }), (error: unknown) => error instanceof KafkaTimeoutError && /COORDINATOR_LOAD_IN_PROGRESS/.test(error.message));
  });
});
