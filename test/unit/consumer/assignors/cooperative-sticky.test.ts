import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CooperativeStickyAssignor,
  decodeCooperativeUserData,
  encodeCooperativeUserData,
  partitionChanges,
  validateCooperativeAssignment,
  type ClusterView,
  type GroupAssignment,
  type MemberSubscription,
  type TopicPartition,
} from '../../../../src/consumer/assignors/index.js';
import {
  asNames,
  checkBalanced,
  checkValid,
  clusterOf,
  groupOf,
  member,
  names,
  randomGroup,
  seededRandom,
  spread,
  tp,
} from './helpers.js';

function assign(cluster: ClusterView, members: readonly MemberSubscription[]): GroupAssignment {
  return new CooperativeStickyAssignor().assign(cluster, groupOf(members));
}

/**
 * KIP-429 safety: a partition a member did not own may be given to it only if no other member
 * claims to own it (whatever its generation).
 */
function checkCooperativeSafety(members: ReadonlyMap<string, MemberSubscription>, assignment: GroupAssignment): void {
  const claimedBy = new Map<string, string[]>();
  for (const [id, m] of members) for (const name of names(m.ownedPartitions)) claimedBy.set(name, [...(claimedBy.get(name) ?? []), id]);
  for (const [id, entry] of assignment) {
    const owned = new Set(names(members.get(id)!.ownedPartitions));
    for (const name of names(entry.partitions)) {
      if (owned.has(name)) continue;
      assert.deepEqual(claimedBy.get(name) ?? [], [], `${name} goes to ${id} while ${claimedBy.get(name)} still own it`);
    }
  }
  const owned = new Map([...members].map(([id, m]) => [id, m.ownedPartitions]));
  validateCooperativeAssignment(owned, assignment);
}

interface Round {
  readonly members: Map<string, MemberSubscription>;
  readonly assignment: GroupAssignment;
  readonly revoked: number;
}

/**
 * Runs rebalances the way cooperative members do: each member joins with what it owns and its
 * generation, takes its new assignment (revoking what it lost), and any revocation triggers a
 * follow-up rebalance. Returns every round until one revokes nothing.
 */
function rebalanceUntilStable(cluster: ClusterView, start: readonly MemberSubscription[], generation: number): Round[] {
  const rounds: Round[] = [];
  let members = groupOf(start);
  for (let attempt = 0; attempt < 5; attempt++) {
    const assignment = new CooperativeStickyAssignor().assign(cluster, members);
    let revoked = 0;
    const next: MemberSubscription[] = [];
    for (const [id, m] of members) {
      const changes = partitionChanges(m.ownedPartitions, assignment.get(id)!.partitions);
      revoked += changes.revoked.length;
      next.push({ ...m, ownedPartitions: assignment.get(id)!.partitions, generationId: generation + attempt });
    }
    rounds.push({ members, assignment, revoked });
    if (revoked === 0) return rounds;
    members = groupOf(next);
  }
  assert.fail('the group did not settle within 5 rebalances');
}

describe('cooperative-sticky assignor: hand-worked cases', () => {
  it('has the Java protocol name and supports COOPERATIVE, then EAGER', () => {
    const assignor = new CooperativeStickyAssignor();
    assert.equal(assignor.name, 'cooperative-sticky');
    assert.deepEqual(assignor.supportedProtocols, ['COOPERATIVE', 'EAGER']);
  });

  it('sends its generation as user data (for leaders reading subscriptions older than v2)', () => {
    const assignor = new CooperativeStickyAssignor();
    assert.equal(assignor.subscriptionUserData().toString('hex'), 'ffffffff');
    assignor.onAssignment({ partitions: [tp('t', 0)], userData: null }, 8);
    assert.equal(assignor.subscriptionUserData().toString('hex'), '00000008');
    assert.equal(decodeCooperativeUserData(encodeCooperativeUserData(123456)), 123456);
    assert.equal(decodeCooperativeUserData(Buffer.from([1, 2])), -1);
  });

  it('moves a partition in two rebalances: revoked from its owner first, assigned in the follow-up', () => {
    const cluster = clusterOf({ t: 4 });
    const rounds = rebalanceUntilStable(
      cluster,
      [member('C0', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 1), tp('t', 2), tp('t', 3)], generationId: 1 }), member('C1', ['t'])],
      2,
    );
    assert.equal(rounds.length, 2);
    assert.deepEqual(asNames(rounds[0]!.assignment), { C0: ['t-0', 't-1'], C1: [] });
    assert.equal(rounds[0]!.revoked, 2);
    assert.deepEqual(asNames(rounds[1]!.assignment), { C0: ['t-0', 't-1'], C1: ['t-2', 't-3'] });
  });

  it('holds back moving partitions with unequal subscriptions as well', () => {
    const cluster = clusterOf({ a: 3, b: 3 });
    const start = [
      member('A', ['a', 'b'], { ownedPartitions: [tp('a', 0), tp('a', 1), tp('a', 2), tp('b', 0), tp('b', 1), tp('b', 2)], generationId: 3 }),
      member('B', ['b']),
    ];
    const rounds = rebalanceUntilStable(cluster, start, 4);
    assert.deepEqual(asNames(rounds[0]!.assignment), { A: ['a-0', 'a-1', 'a-2'], B: [] });
    assert.deepEqual(asNames(rounds.at(-1)!.assignment), { A: ['a-0', 'a-1', 'a-2'], B: ['b-0', 'b-1', 'b-2'] });
  });

  it('settles conflicting claims by generation, read from the subscription or else from the user data', () => {
    const cluster = clusterOf({ t: 4 });
    // A sent a v1 subscription (no generation field): its generation 9 comes from its user data.
    const members = [
      member('A', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 1)], userData: encodeCooperativeUserData(9) }),
      member('B', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 2)], generationId: 5 }),
    ];
    const result = assign(cluster, members);
    // A's newer claim on t-0 stands; B keeps t-2 and gets t-3, which nobody owned.
    assert.deepEqual(asNames(result), { A: ['t-0', 't-1'], B: ['t-2', 't-3'] });
  });

  it('gives nobody a partition claimed by two members of one generation until both have let it go', () => {
    const cluster = clusterOf({ t: 3 });
    const members = [
      member('A', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 1)], generationId: 5 }),
      member('B', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 2)], generationId: 5 }),
    ];
    const result = assign(cluster, members);
    assert.deepEqual(asNames(result), { A: ['t-1'], B: ['t-2'] });
    checkCooperativeSafety(groupOf(members), result);
  });
});

describe('cooperative-sticky assignor: properties over seeded random groups', () => {
  it('never moves an owned partition directly, and settles complete, balanced and sticky', () => {
    const rng = seededRandom(8008);
    for (let round = 0; round < 120; round++) {
      const equalSubscriptions = rng.next() < 0.5;
      const { cluster, members } = randomGroup(rng, { equalSubscriptions, maxMembers: 12 });
      const initial = rebalanceUntilStable(cluster, [...members.values()], 1);
      let settled = initial.at(-1)!;
      checkValid(cluster, settled.members, settled.assignment);

      // Churn: members leave, join, or change their subscription; the rest keep what they own.
      const owners = settled.assignment;
      const next: MemberSubscription[] = [];
      const topicNames = [...new Set([...members.values()].flatMap((m) => m.topics))];
      for (const m of settled.members.values()) {
        if (rng.next() < 0.2) continue;
        const topics = !equalSubscriptions && rng.next() < 0.2 ? topicNames.filter(() => rng.next() < 0.6) : m.topics;
        next.push({ ...m, topics: topics.length > 0 ? topics : m.topics, ownedPartitions: owners.get(m.memberId)!.partitions, generationId: 10 });
      }
      for (let k = rng.int(0, 3); k > 0; k--) next.push(member(`joined-${round}-${k}`, [...members.values()][0]!.topics));
      if (next.length === 0) continue;

      const rounds = rebalanceUntilStable(cluster, next, 11);
      for (const step of rounds) {
        checkValid(cluster, step.members, step.assignment, false);
        checkCooperativeSafety(step.members, step.assignment);
      }
      settled = rounds.at(-1)!;
      checkValid(cluster, settled.members, settled.assignment);
      checkBalanced(settled.members, settled.assignment);
      if (equalSubscriptions) assert.ok(spread(settled.assignment) <= 1);
      // First rebalance after the churn, equal subscriptions: every member keeps as many of its
      // partitions as the quotas allow (the most any balanced assignment can keep).
      if (equalSubscriptions) assert.equal(keptOwned(rounds[0]!), retainedOptimum(cluster, rounds[0]!.members), `round ${round}`);
    }
  });
});

/** How many partitions the members keep of those they owned. */
function keptOwned(step: Round): number {
  let kept = 0;
  for (const [id, m] of step.members) {
    const mine = new Set(names(step.assignment.get(id)!.partitions));
    kept += names(m.ownedPartitions).filter((name) => mine.has(name)).length;
  }
  return kept;
}

/** With equal subscriptions: the sum of min(owned, minQuota), plus one per member allowed maxQuota that owns more. */
function retainedOptimum(cluster: ClusterView, members: ReadonlyMap<string, MemberSubscription>): number {
  const topics = [...members.values()][0]!.topics;
  const total = topics.reduce((sum, topic) => sum + (cluster.partitionsFor(topic)?.length ?? 0), 0);
  const minQuota = Math.floor(total / members.size);
  let sum = 0;
  let owningMore = 0;
  for (const m of members.values()) {
    sum += Math.min(m.ownedPartitions.length, minQuota);
    if (m.ownedPartitions.length > minQuota) owningMore++;
  }
  return sum + Math.min(total % members.size, owningMore);
}

describe('cooperative-sticky assignor: rack-aware (KIP-881)', () => {
  it('moves owned partitions from the wrong rack over two rebalances (checked against Java)', () => {
    const cluster = clusterOf({ t: { count: 4, racks: [['ra'], ['ra'], ['rb'], ['rb']] } });
    const rounds = rebalanceUntilStable(
      cluster,
      [
        member('A', ['t'], { rackId: 'ra', ownedPartitions: [tp('t', 0), tp('t', 2)], generationId: 3 }),
        member('B', ['t'], { rackId: 'rb', ownedPartitions: [tp('t', 1), tp('t', 3)], generationId: 3 }),
      ],
      4,
    );
    assert.deepEqual(asNames(rounds[0]!.assignment), { A: ['t-0'], B: ['t-3'] });
    assert.deepEqual(asNames(rounds.at(-1)!.assignment), { A: ['t-0', 't-1'], B: ['t-2', 't-3'] });
  });

  it('never moves an owned partition directly in random racked groups, and settles', () => {
    const rng = seededRandom(8118);
    for (let round = 0; round < 60; round++) {
      const { cluster, members } = randomGroup(rng, { equalSubscriptions: rng.next() < 0.5, withRacks: true, maxMembers: 10 });
      const settled = rebalanceUntilStable(cluster, [...members.values()], 1).at(-1)!;
      const next = [...settled.members.values()]
        .filter(() => rng.next() > 0.25)
        .map((m) => ({ ...m, ownedPartitions: settled.assignment.get(m.memberId)!.partitions, generationId: 7 }));
      if (next.length === 0) continue;
      const rounds = rebalanceUntilStable(cluster, next, 8);
      for (const step of rounds) checkCooperativeSafety(step.members, step.assignment);
      checkValid(cluster, rounds.at(-1)!.members, rounds.at(-1)!.assignment);
      checkBalanced(rounds.at(-1)!.members, rounds.at(-1)!.assignment);
    }
  });
});

describe('cooperative-sticky assignor: owned partitions that no longer exist', () => {
  it('ignores claims on deleted topics and partitions beyond the count', () => {
    const members = [
      member('A', ['t'], { ownedPartitions: [tp('t', 0), tp('t', 9), tp('deleted', 0)], generationId: 2 }),
      member('B', ['t'], { ownedPartitions: [tp('t', 1)] as TopicPartition[], generationId: 2 }),
    ];
    assert.deepEqual(asNames(assign(clusterOf({ t: 2 }), members)), { A: ['t-0'], B: ['t-1'] });
  });
});
