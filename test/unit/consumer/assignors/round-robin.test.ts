import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoundRobinAssignor } from '../../../../src/consumer/assignors/index.js';
import {
  askKafkaPython,
  asNames,
  checkValid,
  clusterOf,
  groupOf,
  kafkaPythonMissing,
  member,
  pythonNames,
  randomGroup,
  seededRandom,
  spread,
} from './helpers.js';

const roundRobin = new RoundRobinAssignor();

describe('round-robin assignor: hand-worked cases', () => {
  it('has the Java protocol name and supports only EAGER', () => {
    assert.equal(roundRobin.name, 'roundrobin');
    assert.deepEqual(roundRobin.supportedProtocols, ['EAGER']);
  });

  it('deals all partitions, topics by name, to the members in turn', () => {
    const result = roundRobin.assign(clusterOf({ t1: 3, t0: 3 }), groupOf([member('C1', ['t0', 't1']), member('C0', ['t1', 't0'])]));
    assert.deepEqual(asNames(result), { C1: ['t0-1', 't1-0', 't1-2'], C0: ['t0-0', 't0-2', 't1-1'] });
  });

  it('skips members not subscribed to a partition topic, which can unbalance unequal subscriptions', () => {
    const members = groupOf([member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])]);
    assert.deepEqual(asNames(roundRobin.assign(clusterOf({ t0: 1, t1: 2, t2: 3 }), members)), {
      C0: ['t0-0'],
      C1: ['t1-0'],
      C2: ['t1-1', 't2-0', 't2-1', 't2-2'],
    });
  });

  it('walks static members first, by group instance id', () => {
    const members = groupOf([
      member('a', ['t']),
      member('y', ['t'], { groupInstanceId: 'i2' }),
      member('z', ['t'], { groupInstanceId: 'i1' }),
    ]);
    assert.deepEqual(asNames(roundRobin.assign(clusterOf({ t: 4 }), members)), { a: ['t-2'], y: ['t-1'], z: ['t-0', 't-3'] });
  });

  it('leaves out topics the cluster does not know', () => {
    assert.deepEqual(asNames(roundRobin.assign(clusterOf({ t: 2 }), groupOf([member('a', ['t', 'gone']), member('b', ['gone'])]))), {
      a: ['t-0', 't-1'],
      b: [],
    });
  });
});

describe('round-robin assignor: properties over seeded random groups', () => {
  it('assigns every subscribed partition exactly once, only to subscribers; equal subscriptions balance within one', () => {
    const rng = seededRandom(3003);
    for (let round = 0; round < 300; round++) {
      const equalSubscriptions = rng.next() < 0.4;
      const { cluster, members } = randomGroup(rng, { equalSubscriptions, staticMembers: true });
      const result = roundRobin.assign(cluster, members);
      checkValid(cluster, members, result);
      if (equalSubscriptions) assert.ok(spread(result) <= 1);
    }
  });
});

const missing = kafkaPythonMissing();

describe('round-robin assignor: against kafka-python', { skip: missing ?? false }, () => {
  it('gives identical assignments for 300 random groups of dynamic members', () => {
    const rng = seededRandom(4004);
    const groups = Array.from({ length: 300 }, () => randomGroup(rng, { equalSubscriptions: rng.next() < 0.3 }));
    const answers = askKafkaPython(
      groups.map(({ topics, members }) => ({
        op: 'assign',
        assignor: 'roundrobin',
        topics,
        members: Object.fromEntries([...members].map(([id, m]) => [id, { topics: m.topics, user_data: null }])),
      })),
    );
    groups.forEach(({ cluster, members }, i) => {
      assert.ok(answers[i]!.ok, answers[i]!.error);
      const theirs = Object.fromEntries(Object.entries(answers[i]!.assignment as object).map(([id, grouped]) => [id, pythonNames(grouped)]));
      assert.deepEqual(asNames(roundRobin.assign(cluster, members)), theirs, `group ${i}`);
    });
  });
});
