import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KafkaStateError } from '../../../../src/protocol/errors.js';
import { ErrorCode } from '../../../../src/protocol/generated/error-codes.js';
import { CLASSIC_GROUP_STATES, ClassicGroup, ClassicGroupMember, type ClassicGroupState, type MemberProtocol } from '../../../../src/broker/groups/classic-group.js';

function member(memberId: string, protocols: MemberProtocol[], groupInstanceId: string | null = null): ClassicGroupMember {
  return new ClassicGroupMember({ memberId, groupInstanceId, clientId: 'c', clientHost: '/h', rebalanceTimeoutMs: 1, sessionTimeoutMs: 1, protocolType: 'consumer', protocols });
}

const p = (name: string, metadata = ''): MemberProtocol => ({ name, metadata: Buffer.from(metadata) });

describe('ClassicGroup', () => {
  test('only Kafka\'s state transitions are allowed', () => {
    const allowed: Record<ClassicGroupState, ClassicGroupState[]> = {
      Empty: ['PreparingRebalance', 'Dead'],
      PreparingRebalance: ['Empty', 'CompletingRebalance', 'Dead'],
      CompletingRebalance: ['PreparingRebalance', 'Stable', 'Dead'],
      Stable: ['PreparingRebalance', 'Dead'],
      Dead: ['Dead'],
    };
    for (const from of CLASSIC_GROUP_STATES) {
      for (const to of CLASSIC_GROUP_STATES) {
        const group = new ClassicGroup('g');
        group.state = from;
        if (allowed[from].includes(to)) {
          group.transitionTo(to);
          assert.deepEqual([group.previousState, group.state], [from, to]);
        } else {
          assert.throws(() => group.transitionTo(to), KafkaStateError, `${from} -> ${to}`);
        }
      }
    }
  });

  test('supported protocols are counted once per member and follow updates and removals', () => {
    const group = new ClassicGroup('g');
    assert.equal(group.supportsProtocols('consumer', new Set(['range'])), true, 'an empty group takes anything');
    group.add(member('a', [p('range'), p('range'), p('sticky')]), null);
    group.transitionTo('PreparingRebalance');
    group.add(member('b', [p('sticky'), p('range')]), null);
    assert.equal(group.supportsProtocols('consumer', new Set(['range'])), true);
    assert.equal(group.supportsProtocols('other', new Set(['range'])), false);
    assert.equal(group.supportsProtocols('consumer', new Set(['roundrobin'])), false);
    group.updateMember(group.members.get('b')!, { protocols: [p('sticky')], rebalanceTimeoutMs: 5, sessionTimeoutMs: 6 }, null);
    assert.equal(group.supportsProtocols('consumer', new Set(['range'])), false);
    assert.equal(group.selectProtocol(), 'sticky');
    group.remove('b');
    assert.equal(group.supportsProtocols('consumer', new Set(['range'])), true);
    assert.equal(group.selectProtocol(), 'range');
  });

  test('removing the leader hands leadership to the next member; the last one leaves none', () => {
    const group = new ClassicGroup('g');
    group.add(member('a', [p('range')]), null);
    group.add(member('b', [p('range')], 'instance-b'), null);
    assert.equal(group.leaderId, 'a');
    group.remove('a');
    assert.equal(group.leaderId, 'b');
    assert.equal(group.validateMember('b', 'instance-b'), ErrorCode.NONE);
    assert.equal(group.validateMember('a', 'instance-b'), ErrorCode.FENCED_INSTANCE_ID);
    group.remove('b');
    assert.equal(group.leaderId, null);
    assert.equal(group.validateMember('b', 'instance-b'), ErrorCode.UNKNOWN_MEMBER_ID);
    assert.throws(() => group.selectProtocol(), KafkaStateError);
  });

  test('a second member with a static instance id already present is refused', () => {
    const group = new ClassicGroup('g');
    group.add(member('a', [p('range')], 'i'), null);
    assert.throws(() => group.add(member('b', [p('range')], 'i'), null), KafkaStateError);
  });

  test('member protocol matching compares names, order and metadata bytes', () => {
    const m = member('a', [p('range', 'x'), p('sticky', 'y')]);
    assert.equal(m.matches([p('range', 'x'), p('sticky', 'y')]), true);
    assert.equal(m.matches([p('sticky', 'y'), p('range', 'x')]), false);
    assert.equal(m.matches([p('range', 'x'), p('sticky', 'z')]), false);
    assert.equal(m.matches([p('range', 'x')]), false);
    assert.equal(m.vote(new Set(['sticky', 'range'])), 'range');
    assert.throws(() => m.vote(new Set(['roundrobin'])), KafkaStateError);
    assert.throws(() => m.metadataFor('roundrobin'), KafkaStateError);
  });
});
