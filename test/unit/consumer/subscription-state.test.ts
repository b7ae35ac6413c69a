/** SubscriptionState and PartitionState: modes, assignment changes, positions and fetchability. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaStateError } from '../../../src/protocol/errors.js';
import { PartitionState, SubscriptionState } from '../../../src/consumer/subscription-state.js';
import type { PartitionFetch } from '../../../src/consumer/partition-fetch.js';

describe('SubscriptionState', () => {
  it('assign() replaces the assignment and keeps the state of partitions kept', () => {
    const subscriptions = new SubscriptionState();
    const first = subscriptions.assignFromUser([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
    assert.equal(first.added.length, 2);
    first.added[0]!.seek(42, 3);
    const second = subscriptions.assignFromUser([{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }]);
    assert.deepEqual(second.added.map((state) => `${state.topic}-${state.partition}`), ['b-0']);
    assert.deepEqual(second.removed.map((state) => `${state.topic}-${state.partition}`), ['a-1']);
    assert.equal(subscriptions.get({ topic: 'a', partition: 0 })!.position, 42);
    assert.deepEqual(subscriptions.assignment(), [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }]);
    assert.equal(subscriptions.type, 'assigned');
    assert.equal(subscriptions.assignFromUser([]).removed.length, 2);
    assert.equal(subscriptions.type, 'none');
  });

  it('subscribe and assign exclude each other; topics and pattern too, until unsubscribe', () => {
    const subscriptions = new SubscriptionState();
    subscriptions.subscribeTopics(['b', 'a', 'b']);
    assert.deepEqual(subscriptions.subscribedTopics, ['a', 'b']);
    assert.throws(() => subscriptions.assignFromUser([{ topic: 'a', partition: 0 }]), KafkaStateError);
    assert.throws(() => subscriptions.subscribePattern(/x/), KafkaStateError);
    subscriptions.subscribeTopics(['c']);
    assert.deepEqual(subscriptions.subscribedTopics, ['c']);
    subscriptions.addAssigned([{ topic: 'c', partition: 0 }]);
    assert.equal(subscriptions.unsubscribe().length, 1);
    subscriptions.subscribePattern(/^x/);
    assert.equal(subscriptions.setPatternTopics(['x2', 'x1']), true);
    assert.equal(subscriptions.setPatternTopics(['x1', 'x2']), false);
    assert.deepEqual(subscriptions.subscribedTopics, ['x1', 'x2']);
  });

  it('assignedState throws KafkaStateError for a partition not assigned', () => {
    const subscriptions = new SubscriptionState();
    assert.throws(() => subscriptions.assignedState({ topic: 'a', partition: 0 }, 'seek()'), /seek\(\): a-0 is not assigned/);
  });

  it('removing partitions drops their buffered data', () => {
    const subscriptions = new SubscriptionState();
    const [state] = subscriptions.addAssigned([{ topic: 'a', partition: 0 }]);
    let discarded = 0;
    state!.buffered = { discard: () => discarded++ } as unknown as PartitionFetch;
    subscriptions.removeAssigned([{ topic: 'a', partition: 0 }]);
    assert.equal(discarded, 1);
    assert.equal(subscriptions.size, 0);
  });
});

describe('PartitionState', () => {
  it('is fetchable only with a position and nothing pending, paused, in flight, buffered or backing off', () => {
    const state = new PartitionState('t', 0);
    assert.equal(state.isFetchable(0), false, 'no position');
    state.seek(5, null);
    assert.equal(state.isFetchable(0), true);
    state.paused = true;
    assert.equal(state.isFetchable(0), false);
    state.paused = false;
    state.fetchInFlight = true;
    assert.equal(state.isFetchable(0), false);
    state.fetchInFlight = false;
    state.fetchBackoffUntil = 100;
    assert.equal(state.isFetchable(50), false);
    assert.equal(state.isFetchable(100), true);
    state.requestReset('earliest');
    assert.equal(state.isFetchable(100), false);
    assert.equal(state.hasValidPosition, false);
    state.seek(0, 1);
    state.revoking = true;
    assert.equal(state.isFetchable(100), false);
    assert.equal(state.isReturnable, false);
  });

  it('a preferred read replica expires', () => {
    const state = new PartitionState('t', 0);
    state.preferredReplica = 2;
    state.preferredReplicaUntil = 1000;
    assert.equal(state.preferredReplicaAt(999), 2);
    assert.equal(state.preferredReplicaAt(1000), null);
    assert.equal(state.clearPreferredReplica(), false);
  });
});
