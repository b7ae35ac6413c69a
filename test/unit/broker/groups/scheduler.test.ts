import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KafkaInvalidArgumentError } from '../../../../src/protocol/errors.js';
import { ManualScheduler, systemScheduler } from '../../../../src/broker/groups/scheduler.js';

describe('ManualScheduler', () => {
  test('runs tasks in due order, ties in scheduling order, with the clock at each due time', () => {
    const clock = new ManualScheduler(100);
    const ran: Array<[string, number]> = [];
    clock.schedule(30, () => ran.push(['c', clock.now()]));
    clock.schedule(10, () => ran.push(['a', clock.now()]));
    clock.schedule(10, () => ran.push(['b', clock.now()]));
    clock.schedule(50, () => ran.push(['late', clock.now()]));
    clock.advance(30);
    assert.deepEqual(ran, [['a', 110], ['b', 110], ['c', 130]]);
    assert.equal(clock.now(), 130);
    assert.equal(clock.pendingCount, 1);
    assert.equal(clock.nextDueAt(), 150);
  });

  test('tasks scheduled by running tasks run in the same advance when due, including 0 ms ones', () => {
    const clock = new ManualScheduler();
    const ran: number[] = [];
    clock.schedule(0, () => {
      ran.push(clock.now());
      clock.schedule(0, () => {
        ran.push(clock.now());
        clock.schedule(5, () => ran.push(clock.now()));
      });
    });
    clock.advance(0);
    assert.deepEqual(ran, [0, 0]);
    clock.advance(4);
    assert.deepEqual(ran, [0, 0]);
    clock.advance(1);
    assert.deepEqual(ran, [0, 0, 5]);
  });

  test('cancelled tasks never run; cancelling twice is harmless; errors reach the caller', () => {
    const clock = new ManualScheduler();
    let ran = false;
    const task = clock.schedule(1, () => {
      ran = true;
    });
    task.cancel();
    task.cancel();
    clock.schedule(2, () => {
      throw new Error('boom');
    });
    assert.throws(() => clock.advance(10), /boom/);
    assert.equal(ran, false);
    assert.equal(clock.pendingCount, 0);
    assert.throws(() => clock.advance(-1), KafkaInvalidArgumentError);
  });
});

describe('systemScheduler', () => {
  test('runs a task after its delay on the real clock and can cancel one', async () => {
    const before = systemScheduler.now();
    let cancelledRan = false;
    systemScheduler.schedule(1, () => {
      cancelledRan = true;
    }).cancel();
    await new Promise<void>((resolve) => systemScheduler.schedule(5, resolve));
    assert.ok(systemScheduler.now() - before >= 4);
    assert.equal(cancelledRan, false);
  });
});
