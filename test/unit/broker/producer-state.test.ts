import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCHES_TO_RETAIN, ProducerStateTable, lastSequenceOf } from '../../../src/broker/producer-state.js';

function record(table: ProducerStateTable, producerId: number, epoch: number, first: number, last: number, offset: number): void {
  table.record(producerId, epoch, { firstSequence: first, lastSequence: last, firstOffset: offset, lastOffset: offset + last - first, logAppendTime: -1 });
}

describe('ProducerStateTable', () => {
  it('accepts any sequence from a producer it has no state for, then requires the next one', () => {
    const table = new ProducerStateTable(100);
    assert.deepEqual(table.check(1, 0, 17, 19), { outcome: 'append' });
    record(table, 1, 0, 17, 19, 0);
    assert.deepEqual(table.check(1, 0, 20, 20), { outcome: 'append' });
    const gap = table.check(1, 0, 21, 21);
    assert.equal(gap.outcome, 'error');
    assert.equal(gap.outcome === 'error' && gap.errorCode, 45);
  });

  it('answers duplicates of the last five batches with their first offset', () => {
    const table = new ProducerStateTable(100);
    for (let index = 0; index < 7; index++) record(table, 9, 2, index * 2, index * 2 + 1, index * 10);
    assert.equal(BATCHES_TO_RETAIN, 5);
    assert.deepEqual(table.check(9, 2, 4, 5), { outcome: 'duplicate', firstOffset: 20, logAppendTime: -1 });
    assert.deepEqual(table.check(9, 2, 12, 13), { outcome: 'duplicate', firstOffset: 60, logAppendTime: -1 });
    assert.equal(table.check(9, 2, 2, 3).outcome, 'error');
    // A duplicate of another epoch is not one.
    assert.equal(table.check(9, 3, 4, 5).outcome, 'error');
  });

  it('fences older epochs and starts a newer one at sequence 0, forgetting the old batches', () => {
    const table = new ProducerStateTable(100);
    record(table, 5, 1, 0, 4, 0);
    const fenced = table.check(5, 0, 5, 5);
    assert.deepEqual(fenced.outcome === 'error' && fenced.errorCode, 47);
    assert.deepEqual(table.check(5, 2, 0, 0), { outcome: 'append' });
    record(table, 5, 2, 0, 0, 5);
    assert.equal(table.epochOf(5), 2);
    assert.equal(table.check(5, 2, 0, 4).outcome, 'error');
  });

  it('wraps sequences after 2^31 - 1', () => {
    assert.equal(lastSequenceOf(0x7ffffffe, 3), 1);
    const table = new ProducerStateTable(100);
    record(table, 3, 0, 0x7ffffffe, 0x7fffffff, 0);
    assert.deepEqual(table.check(3, 0, 0, 3), { outcome: 'append' });
  });

  it('forgets producers whose batches retention removed, and the least recently heard from when full', () => {
    const table = new ProducerStateTable(2);
    record(table, 1, 0, 0, 0, 0);
    record(table, 2, 0, 0, 0, 1);
    record(table, 1, 0, 1, 1, 2);
    record(table, 3, 0, 0, 0, 3);
    assert.deepEqual([table.epochOf(1), table.epochOf(2), table.epochOf(3), table.size], [0, undefined, 0, 2]);
    table.forgetBefore(3);
    assert.deepEqual([table.epochOf(1), table.epochOf(3), table.size], [undefined, 0, 1]);
  });
});
