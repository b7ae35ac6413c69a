/** The client side of KIP-227 fetch sessions: full and incremental plans, epochs, resets. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FetchSessionHandler, type FetchTarget } from '../../../src/consumer/fetch-session.js';

const SESSIONS = { sessions: true, topicIds: false };

function target(partition: number, fetchOffset: number, overrides: Partial<FetchTarget> = {}): FetchTarget {
  return { key: `t\u0000${partition}`, topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition, fetchOffset, maxBytes: 1000, currentLeaderEpoch: 0, ...overrides };
}

function wanted(...targets: FetchTarget[]): Map<string, FetchTarget> {
  return new Map(targets.map((entry) => [entry.key, entry]));
}

describe('FetchSessionHandler', () => {
  it('starts with a full fetch (id 0, epoch 0) and goes incremental once the broker names a session', () => {
    const handler = new FetchSessionHandler();
    const first = handler.plan(wanted(target(0, 10), target(1, 20)), SESSIONS);
    assert.deepEqual([first.full, first.sessionId, first.epoch, first.toSend.length, first.toForget.length], [true, 0, 0, 2, 0]);
    assert.equal(handler.onResponse(first, { errorCode: 0, sessionId: 77 }, SESSIONS), true);
    assert.equal(handler.incremental, true);

    // Partition 0 moved on, 1 did not, 2 is new: only 0 and 2 are sent.
    const second = handler.plan(wanted(target(0, 15), target(1, 20), target(2, 0)), SESSIONS);
    assert.deepEqual([second.full, second.sessionId, second.epoch], [false, 77, 1]);
    assert.deepEqual(second.toSend.map((entry) => [entry.partition, entry.fetchOffset]), [[0, 15], [2, 0]]);
    assert.deepEqual(second.toForget, []);
    assert.equal(second.wanted.size, 3);
    handler.onResponse(second, { errorCode: 0, sessionId: 77 }, SESSIONS);

    // Partition 1 is no longer wanted (buffered, paused...): forgotten; nothing else changed.
    const third = handler.plan(wanted(target(0, 15), target(2, 0)), SESSIONS);
    assert.deepEqual([third.full, third.epoch, third.toSend.length], [false, 2, 0]);
    assert.deepEqual(third.toForget.map((entry) => entry.partition), [1]);
    handler.onResponse(third, { errorCode: 0, sessionId: 77 }, SESSIONS);

    // It comes back: sent again in full detail.
    const fourth = handler.plan(wanted(target(0, 15), target(1, 25), target(2, 0)), SESSIONS);
    assert.deepEqual(fourth.toSend.map((entry) => entry.partition), [1]);
    assert.equal(fourth.epoch, 3);
  });

  it('a change of maximum bytes or leader epoch is sent again', () => {
    const handler = new FetchSessionHandler();
    const first = handler.plan(wanted(target(0, 1), target(1, 1)), SESSIONS);
    handler.onResponse(first, { errorCode: 0, sessionId: 5 }, SESSIONS);
    const next = handler.plan(wanted(target(0, 1, { maxBytes: 2000 }), target(1, 1, { currentLeaderEpoch: 4 })), SESSIONS);
    assert.deepEqual(next.toSend.map((entry) => entry.partition), [0, 1]);
  });

  it('a broker without sessions (answers session id 0) gets full fetches every time', () => {
    const handler = new FetchSessionHandler();
    for (let round = 0; round < 3; round++) {
      const plan = handler.plan(wanted(target(0, round)), SESSIONS);
      assert.deepEqual([plan.full, plan.sessionId, plan.epoch], [true, 0, 0]);
      handler.onResponse(plan, { errorCode: 0, sessionId: 0 }, SESSIONS);
    }
  });

  it('FETCH_SESSION_ID_NOT_FOUND and INVALID_FETCH_SESSION_EPOCH reset to a new full session; other failures close the session and reopen it', () => {
    for (const code of [70, 71]) {
      const handler = new FetchSessionHandler();
      handler.onResponse(handler.plan(wanted(target(0, 1)), SESSIONS), { errorCode: 0, sessionId: 9 }, SESSIONS);
      const incremental = handler.plan(wanted(target(0, 2)), SESSIONS);
      assert.equal(handler.onResponse(incremental, { errorCode: code, sessionId: 0 }, SESSIONS), false);
      const after = handler.plan(wanted(target(0, 2)), SESSIONS);
      assert.deepEqual([after.full, after.sessionId, after.epoch], [true, 0, 0]);
    }
    const handler = new FetchSessionHandler();
    handler.onResponse(handler.plan(wanted(target(0, 1)), SESSIONS), { errorCode: 0, sessionId: 9 }, SESSIONS);
    handler.onFailure();
    const after = handler.plan(wanted(target(0, 1)), SESSIONS);
    assert.deepEqual([after.full, after.sessionId, after.epoch], [true, 9, 0], 'full, naming the old session so the broker closes it');
  });

  it('an incremental answer without the session id means the broker closed it', () => {
    const handler = new FetchSessionHandler();
    handler.onResponse(handler.plan(wanted(target(0, 1)), SESSIONS), { errorCode: 0, sessionId: 3 }, SESSIONS);
    const plan = handler.plan(new Map(), SESSIONS);
    assert.deepEqual(plan.toForget.map((entry) => entry.partition), [0]);
    handler.onResponse(plan, { errorCode: 0, sessionId: 0 }, SESSIONS);
    assert.equal(handler.incremental, false);
  });

  it('the epoch wraps from 2147483647 to 1', () => {
    const handler = new FetchSessionHandler();
    handler.onResponse(handler.plan(wanted(target(0, 1)), SESSIONS), { errorCode: 0, sessionId: 3 }, SESSIONS);
    (handler as unknown as { nextEpoch: number }).nextEpoch = 0x7fffffff;
    const plan = handler.plan(wanted(target(0, 1)), SESSIONS);
    assert.equal(plan.epoch, 0x7fffffff);
    handler.onResponse(plan, { errorCode: 0, sessionId: 3 }, SESSIONS);
    assert.equal(handler.plan(wanted(target(0, 1)), SESSIONS).epoch, 1);
  });

  it('before Fetch v7 every request is full with epoch -1, and a switch to topic ids starts a new session', () => {
    const handler = new FetchSessionHandler();
    const old = handler.plan(wanted(target(0, 1)), { sessions: false, topicIds: false });
    assert.deepEqual([old.full, old.sessionId, old.epoch], [true, 0, -1]);
    handler.onResponse(handler.plan(wanted(target(0, 1)), SESSIONS), { errorCode: 0, sessionId: 4 }, SESSIONS);
    const withIds = handler.plan(wanted(target(0, 1)), { sessions: true, topicIds: true });
    assert.deepEqual([withIds.full, withIds.sessionId, withIds.epoch], [true, 4, 0]);
  });
});
