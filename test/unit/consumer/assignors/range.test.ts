import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RangeAssignor } from '../../../../src/consumer/assignors/index.js';
import { KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';
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
} from './helpers.js';

const range = new RangeAssignor();

describe('range assignor: hand-worked cases', () => {
  it('has the Java protocol name and supports only EAGER', () => {
    assert.equal(range.name, 'range');
    assert.deepEqual(range.supportedProtocols, ['EAGER']);
  });

  it('cuts each topic into ranges, the first members taking the extra partitions', () => {
    const result = range.assign(clusterOf({ t0: 3, t1: 3 }), groupOf([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])]));
    assert.deepEqual(asNames(result), { C1: ['t0-2', 't1-2'], C0: ['t0-0', 't0-1', 't1-0', 't1-1'] });
  });

  it('ranges each topic over its own subscribers only', () => {
    const members = groupOf([member('consumer1', ['topic1']), member('consumer2', ['topic1', 'topic2']), member('consumer3', ['topic1'])]);
    assert.deepEqual(asNames(range.assign(clusterOf({ topic1: 3, topic2: 2 }), members)), {
      consumer1: ['topic1-0'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-1'],
      consumer3: ['topic1-2'],
    });
  });

  it('gives members of unknown or empty topics an empty entry', () => {
    const members = groupOf([member('a', ['missing']), member('b', ['t']), member('c', [])]);
    assert.deepEqual(asNames(range.assign(clusterOf({ t: 1 }), members)), { a: [], b: ['t-0'], c: [] });
    assert.deepEqual(asNames(range.assign(clusterOf({}), new Map())), {});
  });

  it('orders static members by group instance id, before dynamic members (Java MemberInfo)', () => {
    const members = groupOf([
      member('a-dynamic', ['t']),
      member('z-static', ['t'], { groupInstanceId: 'instance-1' }),
      member('b-static', ['t'], { groupInstanceId: 'instance-2' }),
    ]);
    assert.deepEqual(asNames(range.assign(clusterOf({ t: 5 }), members)), {
      'z-static': ['t-0', 't-1'],
      'b-static': ['t-2', 't-3'],
      'a-dynamic': ['t-4'],
    });
  });

  it('keeps a static member on its partitions when it rejoins with a new member id', () => {
    const cluster = clusterOf({ t: 6 });
    const before = range.assign(cluster, groupOf([member('m-1', ['t'], { groupInstanceId: 'A' }), member('m-2', ['t'], { groupInstanceId: 'B' })]));
    const after = range.assign(cluster, groupOf([member('m-9', ['t'], { groupInstanceId: 'A' }), member('m-2', ['t'], { groupInstanceId: 'B' })]));
    assert.deepEqual(asNames(before)['m-1'], asNames(after)['m-9']);
  });

  it('uses actual partition numbers and ignores a topic listed twice by a member', () => {
    const cluster = { partitionsFor: (topic: string) => (topic === 't' ? [{ partition: 2 }, { partition: 0 }, { partition: 1 }] : undefined) };
    assert.deepEqual(asNames(range.assign(cluster, groupOf([member('a', ['t', 't']), member('b', ['t'])]))), { a: ['t-0', 't-1'], b: ['t-2'] });
  });

  it('refuses a cluster view with invalid partition numbers', () => {
    const twice = { partitionsFor: () => [{ partition: 0 }, { partition: 0 }] };
    const negative = { partitionsFor: () => [{ partition: -1 }] };
    assert.throws(() => range.assign(twice, groupOf([member('a', ['t'])])), KafkaInvalidArgumentError);
    assert.throws(() => range.assign(negative, groupOf([member('a', ['t'])])), KafkaInvalidArgumentError);
  });
});

// Expected outcomes checked against the Java client's RangeAssignor.
describe('range assignor: rack-aware (KIP-881)', () => {
  it('gives each member the partitions with a replica in its rack, within the range counts', () => {
    const cluster = clusterOf({ t0: { count: 4, racks: [['ra'], ['rb'], ['ra'], ['rb']] } });
    const members = groupOf([member('c0', ['t0'], { rackId: 'ra' }), member('c1', ['t0'], { rackId: 'rb' })]);
    assert.deepEqual(asNames(range.assign(cluster, members)), { c0: ['t0-0', 't0-2'], c1: ['t0-1', 't0-3'] });
  });

  it('matches co-partitioned topics together, partition by partition', () => {
    const cluster = clusterOf({ t0: { count: 2, racks: [['ra'], ['rb']] }, t1: { count: 2, racks: [['ra'], ['rb']] } });
    const members = groupOf([member('c0', ['t0', 't1'], { rackId: 'rb' }), member('c1', ['t0', 't1'], { rackId: 'ra' })]);
    assert.deepEqual(asNames(range.assign(cluster, members)), { c0: ['t0-1', 't1-1'], c1: ['t0-0', 't1-0'] });
  });

  it('falls back to plain ranges when every partition has replicas in the same racks', () => {
    const cluster = clusterOf({ t0: { count: 3, racks: [['ra', 'rb'], ['ra', 'rb'], ['ra', 'rb']] } });
    const members = groupOf([member('c0', ['t0'], { rackId: 'rb' }), member('c1', ['t0'], { rackId: 'ra' })]);
    assert.deepEqual(asNames(range.assign(cluster, members)), { c0: ['t0-0', 't0-1'], c1: ['t0-2'] });
  });

  it('lets a member without a rack take any partition in the rack pass', () => {
    const cluster = clusterOf({ t0: { count: 4, racks: [['ra'], ['ra'], ['ra'], ['rb']] } });
    const members = groupOf([member('c0', ['t0'], { rackId: 'rb' }), member('c1', ['t0']), member('c2', ['t0'], { rackId: 'ra' })]);
    assert.deepEqual(asNames(range.assign(cluster, members)), { c0: ['t0-3'], c1: ['t0-0', 't0-1'], c2: ['t0-2'] });
  });

  it('rack-matches co-partitioned topics even when only another topic needs racks (Java quirk kept)', () => {
    // t0 and t1 have every replica in both racks, so on their own they would get plain ranges; t2
    // needs rack matching, which turns it on for the whole assignment, and the co-partitioned pass
    // then skips c0, whose rack holds no replica, leaving it with nothing.
    const both = [['ra', 'rb'], ['ra', 'rb']];
    const cluster = clusterOf({ t0: { count: 2, racks: both }, t1: { count: 2, racks: both }, t2: { count: 3, racks: [['ra'], ['rb'], ['ra']] } });
    const members = groupOf([
      member('c0', ['t0', 't1'], { rackId: 'rc' }),
      member('c1', ['t0', 't1', 't2'], { rackId: 'ra' }),
      member('c2', ['t0', 't1', 't2'], { rackId: 'rb' }),
    ]);
    assert.deepEqual(asNames(range.assign(cluster, members)), {
      c0: [],
      c1: ['t0-0', 't1-0', 't2-0', 't2-2'],
      c2: ['t0-1', 't1-1', 't2-1'],
    });
  });
});

describe('range assignor: properties over seeded random groups', () => {
  it('assigns every subscribed partition exactly once, only to subscribers, each topic balanced', () => {
    const rng = seededRandom(1001);
    for (let round = 0; round < 300; round++) {
      const { cluster, members } = randomGroup(rng, { equalSubscriptions: rng.next() < 0.3, staticMembers: true });
      if (rng.next() < 0.5) {
        for (const [id, m] of members) members.set(id, { ...m, rackId: rng.pick(['ra', 'rb', null]) });
      }
      const result = range.assign(cluster, members);
      checkValid(cluster, members, result);
      // Per topic, the subscribers' counts differ by at most one (without racks in play).
      if ([...members.values()].every((m) => m.rackId === null)) {
        const perTopic = new Map<string, Map<string, number>>();
        for (const [id, m] of members) for (const topic of m.topics) {
          if (!perTopic.has(topic)) perTopic.set(topic, new Map());
          perTopic.get(topic)!.set(id, 0);
        }
        for (const [id, entry] of result) for (const { topic } of entry.partitions) perTopic.get(topic)!.set(id, perTopic.get(topic)!.get(id)! + 1);
        for (const counts of perTopic.values()) assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1);
      }
    }
  });
});

const missing = kafkaPythonMissing();

describe('range assignor: against kafka-python', { skip: missing ?? false }, () => {
  it('gives identical assignments for 300 random groups of dynamic members', () => {
    const rng = seededRandom(2002);
    const groups = Array.from({ length: 300 }, () => randomGroup(rng, { equalSubscriptions: rng.next() < 0.3 }));
    const answers = askKafkaPython(
      groups.map(({ topics, members }) => ({
        op: 'assign',
        assignor: 'range',
        topics,
        members: Object.fromEntries([...members].map(([id, m]) => [id, { topics: m.topics, user_data: null }])),
      })),
    );
    groups.forEach(({ cluster, members }, i) => {
      assert.ok(answers[i]!.ok, answers[i]!.error);
      const theirs = Object.fromEntries(Object.entries(answers[i]!.assignment as object).map(([id, grouped]) => [id, pythonNames(grouped)]));
      assert.deepEqual(asNames(range.assign(cluster, members)), theirs, `group ${i}`);
    });
  });

  it('deviates where kafka-python ignores static membership: it orders by member id only (we follow Java)', () => {
    const members = groupOf([member('a', ['t']), member('b', ['t'], { groupInstanceId: 'static' })]);
    const [answer] = askKafkaPython([{ op: 'assign', assignor: 'range', topics: { t: 3 }, members: { a: { topics: ['t'], user_data: null }, b: { topics: ['t'], user_data: null } } }]);
    const theirs = Object.fromEntries(Object.entries(answer!.assignment as object).map(([id, grouped]) => [id, pythonNames(grouped)]));
    assert.deepEqual(theirs, { a: ['t-0', 't-1'], b: ['t-2'] });
    assert.deepEqual(asNames(range.assign(clusterOf({ t: 3 }), members)), { a: ['t-2'], b: ['t-0', 't-1'] });
  });
});
