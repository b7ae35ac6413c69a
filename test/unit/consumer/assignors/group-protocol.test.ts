import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CooperativeStickyAssignor,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
  chooseRebalanceProtocol,
  computeGroupAssignment,
  decodeAssignment,
  decodeGroupSubscriptions,
  decodeSubscription,
  decodeStickyUserData,
  encodeGroupAssignment,
  encodeSubscription,
  joinGroupProtocols,
  partitionChanges,
  validateCooperativeAssignment,
  type PartitionAssignor,
  type RebalanceProtocol,
} from '../../../../src/consumer/assignors/index.js';
import { KafkaConfigError, KafkaDecodeError, KafkaStateError } from '../../../../src/protocol/errors.js';
import { asNames, clusterOf, groupOf, member, names, tp } from './helpers.js';

function custom(name: string, supportedProtocols: readonly RebalanceProtocol[], assign: PartitionAssignor['assign'] = () => new Map()): PartitionAssignor {
  return { name, supportedProtocols, assign };
}

describe('chooseRebalanceProtocol', () => {
  it('picks the highest protocol every assignor supports', () => {
    assert.equal(chooseRebalanceProtocol([new CooperativeStickyAssignor()]), 'COOPERATIVE');
    assert.equal(chooseRebalanceProtocol([new RangeAssignor(), new CooperativeStickyAssignor()]), 'EAGER');
    assert.equal(chooseRebalanceProtocol([new CooperativeStickyAssignor(), custom('mine', ['EAGER', 'COOPERATIVE'])]), 'COOPERATIVE');
    assert.equal(chooseRebalanceProtocol([new StickyAssignor(), new RoundRobinAssignor()]), 'EAGER');
  });

  it('refuses no assignors, a repeated name, and assignors without a protocol in common', () => {
    assert.throws(() => chooseRebalanceProtocol([]), KafkaConfigError);
    assert.throws(() => chooseRebalanceProtocol([new RangeAssignor(), custom('range', ['EAGER'])]), KafkaConfigError);
    assert.throws(() => chooseRebalanceProtocol([new RangeAssignor(), custom('coop-only', ['COOPERATIVE'])]), KafkaConfigError);
    assert.throws(() => chooseRebalanceProtocol([custom('', ['EAGER'])]), KafkaConfigError);
  });
});

describe('partitionChanges', () => {
  it('lists added and revoked partitions, sorted, ignoring repeats', () => {
    const changes = partitionChanges([tp('b', 1), tp('a', 0), tp('a', 2), tp('a', 2)], [tp('a', 0), tp('c', 0), tp('a', 1)]);
    assert.deepEqual(names(changes.added), ['a-1', 'c-0']);
    assert.deepEqual(names(changes.revoked), ['a-2', 'b-1']);
    assert.deepEqual(partitionChanges([], []), { added: [], revoked: [] });
  });
});

describe('joinGroupProtocols', () => {
  it('offers one subscription per assignor, with that assignor user data', () => {
    const sticky = new StickyAssignor();
    sticky.onAssignment({ partitions: [tp('t', 1)], userData: null }, 4);
    const protocols = joinGroupProtocols([new CooperativeStickyAssignor(), sticky, new RangeAssignor()], {
      topics: ['t', 'a'],
      ownedPartitions: [tp('t', 1)],
      generationId: 4,
      rackId: 'r1',
    });
    assert.deepEqual(protocols.map((p) => p.name), ['cooperative-sticky', 'sticky', 'range']);
    const [cooperative, eager, range] = protocols.map((p) => decodeSubscription(p.metadata));
    assert.equal(cooperative!.version, 3);
    assert.deepEqual(cooperative!.topics, ['a', 't']);
    assert.equal(cooperative!.userData!.toString('hex'), 'ffffffff');
    assert.deepEqual(names(cooperative!.ownedPartitions), ['t-1']);
    assert.equal(cooperative!.generationId, 4);
    assert.equal(cooperative!.rackId, 'r1');
    assert.deepEqual(decodeStickyUserData(eager!.userData!), { partitions: [tp('t', 1)], generation: 4 });
    assert.equal(range!.userData, null);
  });
});

describe('decodeGroupSubscriptions', () => {
  it('decodes every member and names the one whose bytes are broken', () => {
    const good = encodeSubscription({ topics: ['t'], ownedPartitions: [tp('t', 0)], generationId: 2 });
    const subscriptions = decodeGroupSubscriptions([
      { memberId: 'm1', groupInstanceId: 'static-1', metadata: good },
      { memberId: 'm2', groupInstanceId: null, metadata: encodeSubscription({ topics: ['t'] }, 0) },
    ]);
    assert.equal(subscriptions.get('m1')!.groupInstanceId, 'static-1');
    assert.deepEqual(names(subscriptions.get('m1')!.ownedPartitions), ['t-0']);
    assert.equal(subscriptions.get('m2')!.generationId, -1);

    const broken = () => decodeGroupSubscriptions([{ memberId: 'java-member-7', groupInstanceId: null, metadata: Buffer.from([0, 0, 0x7f]) }]);
    assert.throws(broken, (error: unknown) => error instanceof KafkaDecodeError && error.message.includes('java-member-7'));
    const twice = () => decodeGroupSubscriptions([{ memberId: 'm', groupInstanceId: null, metadata: good }, { memberId: 'm', groupInstanceId: null, metadata: good }]);
    assert.throws(twice, KafkaDecodeError);
  });
});

describe('computeGroupAssignment', () => {
  const cluster = clusterOf({ t: 4 });
  const members = groupOf([member('a', ['t'], { ownedPartitions: [tp('t', 0)] }), member('b', ['t'], { ownedPartitions: [tp('t', 1)] })]);

  it('runs the assignor and encodes every member assignment', () => {
    const result = computeGroupAssignment(new RangeAssignor(), 'EAGER', cluster, members);
    assert.deepEqual(asNames(result), { a: ['t-0', 't-1'], b: ['t-2', 't-3'] });
    const encoded = encodeGroupAssignment(result);
    assert.deepEqual(names(decodeAssignment(encoded.get('b')!).partitions), ['t-2', 't-3']);
  });

  it('gives a member the assignor left out an empty assignment', () => {
    const lazy = custom('lazy', ['EAGER'], () => new Map([['a', { partitions: [tp('t', 0)] }]]));
    assert.deepEqual(asNames(computeGroupAssignment(lazy, 'EAGER', cluster, members)), { a: ['t-0'], b: [] });
  });

  it('refuses assignments to strangers, a partition given twice, and cooperative violations', () => {
    const stranger = custom('s', ['EAGER'], () => new Map([['zed', { partitions: [] }]]));
    assert.throws(() => computeGroupAssignment(stranger, 'EAGER', cluster, members), KafkaStateError);
    const twice = custom('d', ['EAGER'], () => new Map([['a', { partitions: [tp('t', 2)] }], ['b', { partitions: [tp('t', 2)] }]]));
    assert.throws(() => computeGroupAssignment(twice, 'EAGER', cluster, members), KafkaStateError);
    // Moving t-0 from a to b in one rebalance is fine eagerly, not cooperatively.
    const swap = custom('x', ['EAGER', 'COOPERATIVE'], () => new Map([['a', { partitions: [tp('t', 1)] }], ['b', { partitions: [tp('t', 0)] }]]));
    assert.equal(computeGroupAssignment(swap, 'EAGER', cluster, members).size, 2);
    assert.throws(
      () => computeGroupAssignment(swap, 'COOPERATIVE', cluster, members),
      (error: unknown) => error instanceof KafkaStateError && error.message.includes('t-0, t-1'),
    );
  });

  it('turns a user assignor failure into KafkaStateError', () => {
    const failing = custom('boom', ['EAGER'], () => {
      throw new TypeError('bug in user code');
    });
    assert.throws(() => computeGroupAssignment(failing, 'EAGER', cluster, members), (error: unknown) => error instanceof KafkaStateError && /boom.*bug in user code/.test(error.message));
    const notMap = custom('bad', ['EAGER'], () => ({}) as unknown as Map<string, never>);
    assert.throws(() => computeGroupAssignment(notMap, 'EAGER', cluster, members), KafkaStateError);
    const noList = custom('bad2', ['EAGER'], () => new Map([['a', null as never]]));
    assert.throws(() => computeGroupAssignment(noList, 'EAGER', cluster, members), KafkaStateError);
  });

  it('accepts the cooperative-sticky assignor under COOPERATIVE', () => {
    const grown = groupOf([...members.values(), member('c', ['t'])]);
    const result = computeGroupAssignment(new CooperativeStickyAssignor(), 'COOPERATIVE', cluster, grown);
    validateCooperativeAssignment(new Map([...grown].map(([id, m]) => [id, m.ownedPartitions])), result);
    // Four partitions, three members: a and b keep theirs; t-2 goes to c, under quota; t-3 to a, first at minQuota.
    assert.deepEqual(asNames(result), { a: ['t-0', 't-3'], b: ['t-1'], c: ['t-2'] });
  });
});
