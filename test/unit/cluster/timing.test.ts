/**
 * Backoff with jitter, abortable sleeps, racing shared promises, deadlines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline, backoffDelay, raceSignal, sleep } from '../../../src/cluster/timing.js';
import { KafkaAbortError, KafkaTimeoutError } from '../../../src/protocol/errors.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the max, with ±20% jitter', () => {
    const low = () => 0;
    const high = () => 0.999999;
    const middle = () => 0.5;
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(50, 1000, failures, middle)), [0, 50, 100, 200, 400, 800, 1000]);
    assert.equal(backoffDelay(50, 1000, 1, low), 40);
    assert.equal(backoffDelay(50, 1000, 1, high), 60);
    assert.equal(backoffDelay(50, 1000, 10, high), 1200);
    assert.equal(backoffDelay(50, 1000, 2000, middle), 1000);
    assert.equal(backoffDelay(0, 0, 3, middle), 0);
  });
});

describe('sleep and raceSignal', () => {
  it('sleep resolves after the delay and rejects at once on abort', async () => {
    const started = performance.now();
    await sleep(20);
    assert.ok(performance.now() - started >= 19);
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(sleeping, (error: unknown) => error instanceof KafkaAbortError && error.message === 'stop');
  });

  it('raceSignal leaves the shared promise running for others', async () => {
    let resolveShared!: (value: string) => void;
    const shared = new Promise<string>((resolve) => (resolveShared = resolve));
    const controller = new AbortController();
    const mine = raceSignal(shared, controller.signal);
    const theirs = raceSignal(shared);
    controller.abort();
    await assert.rejects(mine, KafkaAbortError);
    resolveShared('done');
    assert.equal(await theirs, 'done');
    await assert.rejects(raceSignal(Promise.resolve(1), AbortSignal.abort()), KafkaAbortError);
  });
});

describe('Deadline', () => {
  it('fires with a KafkaTimeoutError reason when due, and follows its parent', async () => {
    const deadline = new Deadline(20, undefined, () => 'too slow');
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
    assert.equal(deadline.timedOut, true);
    assert.ok(deadline.signal.reason instanceof KafkaTimeoutError);
    assert.equal((deadline.signal.reason as Error).message, 'too slow');
    deadline.dispose();

    const parent = new AbortController();
    const child = new Deadline(60_000, parent.signal, () => 'never');
    parent.abort('why');
    assert.equal(child.signal.aborted, true);
    assert.equal(child.timedOut, false);
    assert.equal(child.signal.reason, 'why');
    child.dispose();
  });
});
