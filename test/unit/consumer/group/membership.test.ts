/**
 * GroupMembership against a scripted coordinator: the join sequence (MEMBER_ID_REQUIRED, the
 * subscription sent, the leader's assignment, SyncGroup), eager and cooperative rebalances
 * (what is revoked when, the second cooperative round), heartbeats and their errors (rejoin,
 * lost partitions, fencing), the poll interval, static members, LeaveGroup and close.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GroupMembership, type MembershipOptions } from '../../../../src/consumer/group/membership.js';
import { KafkaRebalanceCallbackError } from '../../../../src/consumer/group/errors.js';
import { CooperativeStickyAssignor, RangeAssignor, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../../src/consumer/assignors/index.js';
import { silentLogger } from '../../../../src/cluster/logger.js';
import { KafkaConfigError, KafkaProtocolError, KafkaStateError, KafkaUnsupportedVersionError } from '../../../../src/protocol/errors.js';
import type { HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest } from '../../../../src/protocol/generated/index.js';
import { waitFor } from '../../../support/wait.js';
import { selfMetadata } from '../../cluster/scripted-broker.js';
import { GroupBroker, RecordingHost, assignedIn, errorAnswer, followerJoin, parked, soleMemberJoin, type Scripted } from './scripted-group.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  // Every closer runs; the first failure is reported afterwards.
  const failures: unknown[] = [];
  for (const close of closers.reverse()) await close().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

const MEMBER_ID_REQUIRED = 79;
const REBALANCE_IN_PROGRESS = 27;
const UNKNOWN_MEMBER_ID = 25;
const ILLEGAL_GENERATION = 22;
const FENCED_INSTANCE_ID = 82;
const NOT_COORDINATOR = 16;

function options(overrides: Partial<MembershipOptions> = {}): MembershipOptions {
  return {
    groupId: 'g',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 60_000,
    heartbeatIntervalMs: 50,
    assignors: [new RangeAssignor()],
    clientRack: null,
    retryBackoffMs: 10,
    requestTimeoutMs: 5_000,
    logger: silentLogger,
    ...overrides,
  };
}

async function setup(
  memberOptions: Partial<MembershipOptions> = {},
  brokerOptions: Parameters<typeof GroupBroker.start>[0] = {},
): Promise<{ group: GroupBroker; host: RecordingHost; member: GroupMembership }> {
  const group = await GroupBroker.start({ topics: [{ name: 't', partitions: 3 }, { name: 'u', partitions: 2 }], ...brokerOptions });
  const host = new RecordingHost(group.log, ['t']);
  const member = new GroupMembership(group.cluster, options(memberOptions), host);
  // Closed in reverse order: the member first, then its cluster and broker.
  closers.push(
    () => group.close(),
    () => member.close(),
  );
  return { group, host, member };
}

/** A JoinGroup answer for two members, this one leading: its own subscription plus a second member's. */
function leaderOfTwo(generationId: number, other: { memberId: string; topics: string[]; owned?: { topic: string; partition: number }[] }): Scripted {
  return (request) => {
    const body = request.body as JoinGroupRequest;
    const protocol = body.protocols[0]!;
    const id = body.memberId === '' ? 'member-1' : body.memberId;
    const otherMetadata = encodeSubscription({ topics: other.topics, ownedPartitions: other.owned ?? [], generationId: other.owned === undefined ? -1 : generationId - 1 });
    return {
      response: {
        errorCode: 0,
        generationId,
        protocolType: 'consumer',
        protocolName: protocol.name,
        leader: id,
        memberId: id,
        members: [
          { memberId: id, groupInstanceId: null, metadata: protocol.metadata },
          { memberId: other.memberId, groupInstanceId: null, metadata: otherMetadata },
        ],
      },
    };
  };
}

function assignmentBytes(partitions: { topic: string; partition: number }[]): Buffer {
  return encodeAssignment({ partitions });
}

describe('GroupMembership: joining', () => {
  it('joins with MEMBER_ID_REQUIRED, leads the assignment and reports the assigned partitions', async () => {
    const { group, host, member } = await setup();
    group.push('JoinGroup', errorAnswer(MEMBER_ID_REQUIRED, { memberId: 'given-id', generationId: -1 }));
    await member.ensureActive();
    const joins = group.requests('JoinGroup');
    assert.equal(joins.length, 2);
    const first = joins[0]!.body as JoinGroupRequest;
    const second = joins[1]!.body as JoinGroupRequest;
    assert.equal(joins[0]!.apiVersion, 9);
    assert.equal(first.memberId, '');
    assert.equal(second.memberId, 'given-id');
    assert.equal(second.sessionTimeoutMs, 10_000);
    assert.equal(second.rebalanceTimeoutMs, 60_000);
    assert.equal(second.protocolType, 'consumer');
    assert.deepEqual(second.protocols.map((protocol) => protocol.name), ['range']);
    const subscription = decodeSubscription(second.protocols[0]!.metadata);
    assert.deepEqual(subscription.topics, ['t']);
    assert.deepEqual(subscription.ownedPartitions, []);
    assert.equal(subscription.generationId, -1);
    const sync = group.requests('SyncGroup')[0]!;
    assert.equal((sync.body as SyncGroupRequest).generationId, 1);
    assert.equal((sync.body as SyncGroupRequest).memberId, 'given-id');
    assert.deepEqual(assignedIn(sync, 'given-id'), ['t-0', 't-1', 't-2']);
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-0,t-1,t-2' }]);
    assert.deepEqual(member.generation(), { generationId: 1, memberId: 'given-id', protocol: 'range', isLeader: true });
    assert.equal(member.rebalanceInProgress, false);
    assert.deepEqual(member.assignment(), [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }, { topic: 't', partition: 2 }]);
    // Heartbeats follow on their own, with the generation.
    const beat = await group.nth('Heartbeat', 1);
    assert.deepEqual({ ...(beat.body as HeartbeatRequest) }, { groupId: 'g', generationId: 1, memberId: 'given-id', groupInstanceId: null });
  });

  it('as a follower sends no assignment and takes what SyncGroup returns', async () => {
    const { group, host, member } = await setup();
    group.push('JoinGroup', followerJoin(4, 'someone-else'));
    group.push('SyncGroup', () => ({ response: { errorCode: 0, assignment: assignmentBytes([{ topic: 't', partition: 1 }]) } }));
    await member.ensureActive();
    assert.deepEqual((group.requests('SyncGroup')[0]!.body as SyncGroupRequest).assignments, []);
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-1' }]);
    assert.equal(member.generation().isLeader, false);
  });

  it('as a replaced static leader told to skip the assignment (JoinGroup v9) sends none', async () => {
    const { group, host, member } = await setup({ groupInstanceId: 'instance-a' });
    group.push('JoinGroup', (request) => {
      const answer = soleMemberJoin(7)(request) as { response: Record<string, unknown> };
      return { response: { ...answer.response, skipAssignment: true } };
    });
    group.push('SyncGroup', () => ({ response: { errorCode: 0, assignment: assignmentBytes([{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }]) } }));
    await member.ensureActive();
    const join = group.requests('JoinGroup')[0]!.body as JoinGroupRequest;
    assert.equal(join.groupInstanceId, 'instance-a');
    const sync = group.requests('SyncGroup')[0]!.body as SyncGroupRequest;
    assert.deepEqual(sync.assignments, []);
    assert.equal(sync.groupInstanceId, 'instance-a');
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-0,t-2' }]);
  });

  it('refuses static membership when the coordinator lacks JoinGroup v5', async () => {
    const { member } = await setup({ groupInstanceId: 'instance-a' }, { versions: { JoinGroup: 4 } });
    await assert.rejects(member.ensureActive(), KafkaUnsupportedVersionError);
  });

  it('retries after NOT_COORDINATOR and a broken connection, looking the coordinator up again', async () => {
    const { group, host, member } = await setup();
    group.push('JoinGroup', errorAnswer(NOT_COORDINATOR), () => 'close');
    await member.ensureActive();
    assert.equal(group.requests('JoinGroup').length, 3);
    assert.ok(group.broker.requestsOf('FindCoordinator').length >= 2);
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-0,t-1,t-2' }]);
  });

  it('reads the error code of JoinGroup and SyncGroup error answers whose other fields are malformed (librdkafka mock)', async () => {
    const { group, host, member } = await setup({}, { versions: { JoinGroup: 5, SyncGroup: 3 } });
    // JoinGroup v5: throttle, NOT_COORDINATOR, generation -1, then null non-nullable strings.
    const join = Buffer.alloc(4 + 2 + 4 + 2 + 2 + 2 + 4);
    join.writeInt16BE(NOT_COORDINATOR, 4);
    join.writeInt32BE(-1, 6);
    join.writeInt16BE(-1, 10);
    join.writeInt16BE(-1, 12);
    join.writeInt16BE(-1, 14);
    // SyncGroup v3: throttle, REBALANCE_IN_PROGRESS, null (non-nullable) assignment bytes.
    const sync = Buffer.alloc(4 + 2 + 4);
    sync.writeInt16BE(REBALANCE_IN_PROGRESS, 4);
    sync.writeInt32BE(-1, 6);
    group.push('JoinGroup', () => ({ raw: join }));
    group.push('SyncGroup', () => ({ raw: sync }));
    await member.ensureActive();
    assert.deepEqual(group.requests('JoinGroup').map((request) => request.apiVersion), [5, 5, 5]);
    assert.equal(group.requests('SyncGroup').length, 2);
    assert.equal(member.generation().generationId, 2);
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-0,t-1,t-2' }]);
  });

  it('validates its options with KafkaConfigError', async () => {
    const group = await GroupBroker.start();
    closers.push(() => group.close());
    const host = new RecordingHost([], ['t']);
    assert.throws(() => new GroupMembership(group.cluster, options({ heartbeatIntervalMs: 10_000 }), host), /heartbeatIntervalMs \(10000\) must be lower than sessionTimeoutMs/);
    assert.throws(() => new GroupMembership(group.cluster, options({ groupId: '' }), host), KafkaConfigError);
    assert.throws(() => new GroupMembership(group.cluster, options({ assignors: [] }), host), /at least one assignor/);
    assert.throws(() => new GroupMembership(group.cluster, options({ groupInstanceId: '' }), host), /groupInstanceId must be a non-empty string or null/);
  });
});

describe('GroupMembership: heartbeats and metadata', () => {
  it('heartbeats on its own timer while the application does not poll', async () => {
    const { group, member } = await setup({ heartbeatIntervalMs: 20, sessionTimeoutMs: 200, rebalanceTimeoutMs: 60_000 });
    await member.ensureActive();
    // No poll from here on: ten heartbeats span five session timeouts' worth of intervals.
    await group.nth('Heartbeat', 9);
    assert.ok(group.requests('Heartbeat').every((request) => (request.body as HeartbeatRequest).generationId === 1));
    assert.equal(group.requests('LeaveGroup').length, 0);
    assert.equal(member.rebalanceInProgress, false);
  });

  it('as the leader, rejoins when a topic of the group gains partitions', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    group.broker.handlers.Metadata = selfMetadata(group.broker, 1, [
      {
        errorCode: 0,
        name: 't',
        partitions: [0, 1, 2, 3].map((partitionIndex) => ({ errorCode: 0, partitionIndex, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
      },
    ]);
    await group.cluster.refreshMetadata({ topics: ['t'] });
    await group.nth('SyncGroup', 1);
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(host.calls.slice(1), [
      { kind: 'revoked', partitions: 't-0,t-1,t-2' },
      { kind: 'assigned', partitions: 't-0,t-1,t-2,t-3' },
    ]);
  });
});

describe('GroupMembership: eager rebalances', () => {
  it('revokes everything before rejoining when a heartbeat says the group rebalances', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    group.log.length = 0;
    group.push('Heartbeat', errorAnswer(REBALANCE_IN_PROGRESS));
    // The member rejoins in the background, without waiting for the application to poll.
    await group.nth('SyncGroup', 1);
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(group.log.filter((entry) => entry !== 'Heartbeat'), ['revoked:t-0,t-1,t-2', 'JoinGroup', 'SyncGroup', 'assigned:t-0,t-1,t-2']);
    assert.equal(member.generation().generationId, 2);
    await member.ensureActive();
  });

  it('a member whose generation was fenced loses its partitions, then rejoins with a new member id', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    group.log.length = 0;
    group.push('Heartbeat', errorAnswer(UNKNOWN_MEMBER_ID));
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(host.calls.slice(1), [
      { kind: 'lost', partitions: 't-0,t-1,t-2' },
      { kind: 'assigned', partitions: 't-0,t-1,t-2' },
    ]);
    const rejoin = group.requests('JoinGroup')[1]!.body as JoinGroupRequest;
    assert.equal(rejoin.memberId, '');
  });

  it('ILLEGAL_GENERATION keeps the member id for the rejoin', async () => {
    const { group, host, member } = await setup();
    await member.ensureActive();
    group.push('Heartbeat', errorAnswer(ILLEGAL_GENERATION));
    await waitFor(() => host.calls.length === 3);
    assert.equal(host.calls[1]!.kind, 'lost');
    assert.equal((group.requests('JoinGroup')[1]!.body as JoinGroupRequest).memberId, 'member-1');
  });

  it('FENCED_INSTANCE_ID is fatal: partitions lost on close, every later call throws it', async () => {
    const { group, host, member } = await setup({ groupInstanceId: 'instance-a' });
    await member.ensureActive();
    group.push('Heartbeat', errorAnswer(FENCED_INSTANCE_ID));
    await waitFor(() => member.generation().generationId === -1);
    await assert.rejects(member.ensureActive(), (error: unknown) => error instanceof KafkaProtocolError && error.errorName === 'FENCED_INSTANCE_ID');
    await assert.rejects(member.commitOffsets(new Map([['t\u00000', { offset: 1, leaderEpoch: null, metadata: null }]])), /FENCED_INSTANCE_ID/);
    await member.close();
    assert.deepEqual(host.calls.at(-1), { kind: 'lost', partitions: 't-0,t-1,t-2' });
    assert.equal(group.requests('LeaveGroup').length, 0);
  });

  it('a failing callback does not stop the rebalance; the next ensureActive reports it once', async () => {
    const { host, member } = await setup();
    host.onAssigned = async () => {
      throw new Error('user code broke');
    };
    await assert.rejects(member.ensureActive(), (error: unknown) => error instanceof KafkaRebalanceCallbackError && /onPartitionsAssigned failed: user code broke/.test(error.message));
    assert.equal(member.assignment().length, 3);
    await member.ensureActive();
  });
});

describe('GroupMembership: cooperative rebalances', () => {
  it('keeps its partitions while rejoining, revokes only what moved, and rejoins a second time', async () => {
    const { group, host, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    assert.equal(member.rebalanceProtocol, 'COOPERATIVE');
    await member.ensureActive();
    assert.deepEqual(host.calls, [{ kind: 'assigned', partitions: 't-0,t-1,t-2' }]);
    // A second member arrives: this member leads and must give it a partition, over two rounds.
    const join = parked();
    group.push('JoinGroup', join.answer);
    group.push('Heartbeat', errorAnswer(REBALANCE_IN_PROGRESS));
    const request = await join.arrived;
    const subscription = decodeSubscription((request.body as JoinGroupRequest).protocols[0]!.metadata);
    assert.deepEqual(subscription.ownedPartitions.map((tp) => `${tp.topic}-${tp.partition}`), ['t-0', 't-1', 't-2']);
    assert.equal(subscription.generationId, 1);
    // During the rebalance the member still owns everything: nothing was revoked.
    assert.equal(member.rebalanceInProgress, true);
    assert.equal(member.assignment().length, 3);
    await member.ensureActive(); // returns at once under the cooperative protocol
    assert.equal(host.calls.length, 1);
    // The second round: member-2 still owns nothing, so it now gets the partition member-1 gave up.
    group.push('JoinGroup', leaderOfTwo(3, { memberId: 'member-2', topics: ['t'], owned: [] }));
    join.release((await leaderOfTwo(2, { memberId: 'member-2', topics: ['t'] })(request)) as never);
    await group.nth('JoinGroup', 2); // the second round follows immediately
    await waitFor(() => host.calls.length >= 3);
    assert.deepEqual(host.calls.slice(1, 3), [
      { kind: 'revoked', partitions: 't-2' },
      { kind: 'assigned', partitions: '' },
    ]);
    const firstSync = group.requests('SyncGroup')[1]!;
    assert.deepEqual(assignedIn(firstSync, 'member-1'), ['t-0', 't-1']);
    assert.deepEqual(assignedIn(firstSync, 'member-2'), []);
    const second = decodeSubscription((group.requests('JoinGroup')[2]!.body as JoinGroupRequest).protocols[0]!.metadata);
    assert.deepEqual(second.ownedPartitions.map((tp) => `${tp.topic}-${tp.partition}`), ['t-0', 't-1']);
    await waitFor(() => !member.rebalanceInProgress);
    assert.deepEqual(assignedIn(group.requests('SyncGroup')[2]!, 'member-2'), ['t-2']);
    assert.deepEqual(host.calls.slice(3), [{ kind: 'assigned', partitions: '' }]);
    assert.deepEqual(member.assignment().map((tp) => tp.partition), [0, 1]);
  });

  it('revokes partitions of topics no longer subscribed before rejoining, and adds new ones after', async () => {
    const { group, host, member } = await setup({ assignors: [new CooperativeStickyAssignor()] });
    host.topics = ['t', 'u'];
    await member.ensureActive();
    host.topics = ['u'];
    member.requestRejoin('subscription changed');
    await waitFor(() => host.calls.length === 3);
    assert.deepEqual(host.calls.slice(1), [
      { kind: 'revoked', partitions: 't-0,t-1,t-2' },
      { kind: 'assigned', partitions: '' },
    ]);
    assert.deepEqual(decodeSubscription((group.requests('JoinGroup')[1]!.body as JoinGroupRequest).protocols[0]!.metadata).topics, ['u']);
    assert.deepEqual(member.assignment().map((tp) => `${tp.topic}-${tp.partition}`), ['u-0', 'u-1']);
  });
});

describe('GroupMembership: the poll interval, leaving and closing', () => {
  it('leaves the group when the application stops polling, and the next poll rejoins with the partitions lost', async () => {
    const { group, host, member } = await setup({ rebalanceTimeoutMs: 300 });
    await member.ensureActive();
    const leave = await group.nth('LeaveGroup', 0);
    assert.deepEqual((leave.body as LeaveGroupRequest).members.map((entry) => entry.memberId), ['member-1']);
    assert.equal(member.generation().generationId, -1);
    const heartbeatsAfterLeave = group.requests('Heartbeat').length;
    await member.ensureActive();
    assert.deepEqual(host.calls.map((call) => call.kind), ['assigned', 'lost', 'assigned']);
    assert.equal((group.requests('JoinGroup')[1]!.body as JoinGroupRequest).memberId, '');
    assert.ok(group.requests('Heartbeat').length >= heartbeatsAfterLeave);
  });

  it('a dynamic member revokes and leaves on close; a static member revokes but sends no LeaveGroup', async () => {
    const dynamic = await setup();
    await dynamic.member.ensureActive();
    await dynamic.member.close();
    assert.deepEqual(dynamic.host.calls.at(-1), { kind: 'revoked', partitions: 't-0,t-1,t-2' });
    const leave = dynamic.group.requests('LeaveGroup');
    assert.equal(leave.length, 1);
    assert.equal(leave[0]!.apiVersion, 5);
    assert.deepEqual((leave[0]!.body as LeaveGroupRequest).members.map((entry) => [entry.memberId, entry.groupInstanceId, entry.reason]), [['member-1', null, 'the consumer is closing']]);
    await assert.rejects(dynamic.member.ensureActive(), KafkaStateError);

    const stat = await setup({ groupInstanceId: 'instance-b' });
    await stat.member.ensureActive();
    await stat.member.close();
    assert.deepEqual(stat.host.calls.at(-1), { kind: 'revoked', partitions: 't-0,t-1,t-2' });
    assert.equal(stat.group.requests('LeaveGroup').length, 0);
  });

  it('sends LeaveGroup v0-2 with the member id at the top level', async () => {
    const { group, member } = await setup({}, { versions: { LeaveGroup: 1 } });
    await member.ensureActive();
    await member.leave('unsubscribed');
    const leave = group.requests('LeaveGroup')[0]!;
    assert.equal(leave.apiVersion, 1);
    assert.equal((leave.body as LeaveGroupRequest).memberId, 'member-1');
    assert.equal(member.generation().memberId, '');
    assert.equal(member.assignment().length, 0);
  });
});
