import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FetchSessionCache, sessionPartitionKey } from '../../../src/broker/fetch-sessions.js';

describe('FetchSessionCache', () => {
  it('hands out distinct positive ids and evicts the least recently used session when full', () => {
    const cache = new FetchSessionCache(2);
    const first = cache.create(false, 1)!;
    const second = cache.create(false, 2)!;
    assert.deepEqual([first.id, second.id, first.epoch], [1, 2, 1]);
    cache.touch(first, 3);
    const third = cache.create(true, 4)!;
    assert.deepEqual([cache.get(first.id) === first, cache.get(second.id), cache.get(third.id) === third, cache.size], [true, undefined, true, 2]);
    cache.remove(first.id);
    assert.equal(cache.size, 1);
    assert.equal(new FetchSessionCache(0).create(false, 1), undefined);
  });

  it('keys partitions by topic name, or by topic id for sessions that use ids, and reorders on demand', () => {
    assert.notEqual(sessionPartitionKey(false, 'a', 'ID', 0), sessionPartitionKey(true, 'a', 'ID', 0));
    assert.equal(sessionPartitionKey(true, '', 'ID', 1), sessionPartitionKey(true, 'other-name', 'ID', 1));
    const session = new FetchSessionCache(1).create(false, 0)!;
    for (const partition of [0, 1, 2]) {
      session.partitions.set(sessionPartitionKey(false, 't', '', partition), {
        topic: 't',
        topicId: '',
        partition,
        fetchOffset: 0,
        maxBytes: 1,
        currentLeaderEpoch: -1,
        lastHighWatermark: -1,
        lastLogStartOffset: -1,
      });
    }
    session.moveToEnd(sessionPartitionKey(false, 't', '', 0));
    assert.deepEqual([...session.partitions.values()].map((entry) => entry.partition), [1, 2, 0]);
  });
});
