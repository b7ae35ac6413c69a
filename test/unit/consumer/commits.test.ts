/**
 * CommitManager: commits go out one at a time in call order, never backwards, not across a seek,
 * and failures of asynchronous commits reach the listener or the log (never an unhandled
 * rejection). The offset store is a scripted in-memory one that the test completes by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError, KafkaInvalidArgumentError } from '../../../src/protocol/errors.js';
import { CommitManager, type OffsetStore } from '../../../src/consumer/commits.js';
import { SubscriptionState } from '../../../src/consumer/subscription-state.js';
import type { CommitListener, PartitionOffset } from '../../../src/consumer/commit-types.js';
import type { Logger } from '../../../src/cluster/logger.js';

type Offsets = Map<string, { offset: number; leaderEpoch: number | null; metadata: string | null }>;

/** A store whose commits wait until the test settles them, in order. */
class ScriptedStore implements OffsetStore {
  readonly calls: { offsets: Offsets; settle: (error?: KafkaError) => void }[] = [];
  private waiting: (() => void)[] = [];

  commit(offsets: Offsets): Promise<void> {
    return new Promise((resolve, reject) => {
      this.calls.push({ offsets: new Map(offsets), settle: (error) => (error ? reject(error) : resolve()) });
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  fetch(): Promise<Map<string, null>> {
    return Promise.resolve(new Map());
  }

  /** Resolves once `count` commits have reached the store. */
  async reached(count: number): Promise<void> {
    while (this.calls.length < count) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

function logger(entries: string[]): Logger {
  const push = (level: string) => (message: string) => void entries.push(`${level}: ${message}`);
  return { debug: () => {}, info: push('info'), warn: push('warn'), error: push('error') };
}

function setup(options: { listener?: CommitListener; autoCommit?: boolean } = {}) {
  const subscriptions = new SubscriptionState();
  const [p0, p1] = subscriptions.addAssigned([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  p0!.seek(10, 1);
  p1!.seek(20, 1);
  const store = new ScriptedStore();
  const logs: string[] = [];
  const manager = new CommitManager(subscriptions, () => store, { enableAutoCommit: options.autoCommit ?? false, autoCommitIntervalMs: 1000, defaultApiTimeoutMs: 5000, listener: options.listener }, logger(logs));
  return { subscriptions, p0: p0!, p1: p1!, store, manager, logs };
}

const offsetsOf = (offsets: Offsets) => [...offsets].map(([key, value]) => [key.replace('\u0000', '-'), value.offset]);

describe('CommitManager', () => {
  it('commits the consumed offsets (positions) of every assigned partition with their epochs', async () => {
    const { manager, store } = setup();
    const done = manager.commit(manager.prepareConsumed());
    await store.reached(1);
    assert.deepEqual(offsetsOf(store.calls[0]!.offsets), [['t-0', 10], ['t-1', 20]]);
    assert.equal(store.calls[0]!.offsets.get('t\u00000')!.leaderEpoch, 1);
    store.calls[0]!.settle();
    assert.deepEqual((await done).map((entry) => entry.offset), [10, 20]);
  });

  it('sends commits one at a time in call order', async () => {
    const { manager, store, p0 } = setup();
    const first = manager.commit(manager.prepareConsumed());
    p0.position = 15;
    const second = manager.commit(manager.prepareConsumed());
    await store.reached(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.calls.length, 1, 'the second waits for the first');
    store.calls[0]!.settle(new KafkaError('retriable trouble', { retriable: true }));
    await assert.rejects(first, /retriable trouble/);
    await store.reached(2);
    assert.deepEqual(offsetsOf(store.calls[1]!.offsets), [['t-0', 15], ['t-1', 20]]);
    store.calls[1]!.settle();
    await second;
  });

  it('never goes backwards: an entry below what was committed is left out, the others go ahead', async () => {
    const { manager, store, p0 } = setup();
    const high = manager.commit(manager.prepareExplicit([{ topic: 't', partition: 0, offset: 50 }]));
    await store.reached(1);
    store.calls[0]!.settle();
    await high;
    const low = manager.commit(manager.prepareExplicit([{ topic: 't', partition: 0, offset: 40 }, { topic: 't', partition: 1, offset: 21 }]));
    await store.reached(2);
    assert.deepEqual(offsetsOf(store.calls[1]!.offsets), [['t-1', 21]]);
    store.calls[1]!.settle();
    assert.deepEqual((await low).map((entry) => `${entry.partition}@${entry.offset}`), ['1@21']);
    assert.equal(p0.committedFloor, 50);
    // Nothing left to send: no request at all.
    assert.deepEqual(await manager.commit(manager.prepareExplicit([{ topic: 't', partition: 0, offset: 49 }])), []);
    assert.equal(store.calls.length, 2);
  });

  it('after a seek (floor cleared by the consumer) a lower offset is committed, and a commit prepared before the seek is dropped', async () => {
    const { manager, store, p0 } = setup();
    const before = manager.prepareConsumed([{ topic: 't', partition: 0 }]);
    p0.committedFloor = 100;
    // What KafkaConsumer.seek() does:
    p0.seekVersion++;
    p0.committedFloor = -1;
    p0.seek(5, null);
    assert.deepEqual(await manager.commit(before), [], 'prepared before the seek: dropped');
    const after = manager.commit(manager.prepareConsumed([{ topic: 't', partition: 0 }]));
    await store.reached(1);
    assert.deepEqual(offsetsOf(store.calls[0]!.offsets), [['t-0', 5]]);
    store.calls[0]!.settle();
    await after;
    assert.equal(p0.committedFloor, 5);
  });

  it('a for-await loop in the middle of a batch commits the offset after the last record it finished with', async () => {
    const { manager, store, p0 } = setup();
    p0.position = 30;
    p0.consumedOffset = 24;
    const done = manager.commit(manager.prepareConsumed([{ topic: 't', partition: 0 }]));
    await store.reached(1);
    assert.deepEqual(offsetsOf(store.calls[0]!.offsets), [['t-0', 24]]);
    store.calls[0]!.settle();
    await done;
  });

  it('commitAsync failures go to onCommitFailed; successes to onCommitSucceeded; a throwing listener is logged', async () => {
    const seen: string[] = [];
    const listener: CommitListener = {
      onCommitSucceeded: (offsets: readonly PartitionOffset[]) => void seen.push(`ok ${offsets.map((entry) => entry.offset).join(',')}`),
      onCommitFailed: async (error) => {
        seen.push(`failed ${error.message}`);
        throw new Error('listener broke');
      },
    };
    const { manager, store, logs } = setup({ listener });
    const failing = manager.commitAsync(manager.prepareConsumed());
    await store.reached(1);
    store.calls[0]!.settle(new KafkaError('coordinator gone'));
    await failing;
    const succeeding = manager.commitAsync(manager.prepareConsumed());
    await store.reached(2);
    store.calls[1]!.settle();
    await succeeding;
    assert.deepEqual(seen, ['failed coordinator gone', 'ok 10,20']);
    assert.deepEqual(logs, ["error: the commitListener's onCommitFailed threw"]);
  });

  it('commitAsync() calls made while one waits join it: taken with the offsets of when it is sent', async () => {
    const { manager, store, p0 } = setup();
    const blocker = manager.commit(manager.prepareExplicit([{ topic: 't', partition: 1, offset: 21 }]));
    await store.reached(1);
    const first = manager.commitConsumedAsync();
    p0.position = 11;
    const second = manager.commitConsumedAsync();
    p0.position = 12;
    assert.equal(first, second, 'joined');
    store.calls[0]!.settle();
    await blocker;
    await store.reached(2);
    // t-1 is at 20, below the 21 just committed: left out.
    assert.deepEqual(offsetsOf(store.calls[1]!.offsets), [['t-0', 12]]);
    store.calls[1]!.settle();
    await first;
    // Once sent, a new call queues a new commit.
    p0.position = 13;
    const third = manager.commitConsumedAsync();
    assert.notEqual(third, first);
    await store.reached(3);
    store.calls[2]!.settle();
    await third;
    assert.equal(store.calls.length, 3);
  });

  it('without a listener a failed commitAsync is logged as a warning and nothing rejects', async () => {
    const { manager, store, logs } = setup();
    const failing = manager.commitAsync(manager.prepareConsumed());
    await store.reached(1);
    store.calls[0]!.settle(new KafkaError('nope'));
    await failing;
    assert.deepEqual(logs, ['warn: commitAsync failed']);
  });

  it('automatic commits run when due, skip unchanged offsets, and never pile up', async () => {
    const { manager, store, p0 } = setup({ autoCommit: true });
    const start = performance.now();
    manager.maybeAutoCommit(start + 10);
    assert.equal(store.calls.length, 0, 'not due yet');
    manager.maybeAutoCommit(start + 2000);
    await store.reached(1);
    manager.maybeAutoCommit(start + 5000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.calls.length, 1, 'the previous automatic commit is still running');
    store.calls[0]!.settle();
    await manager.drain();
    await new Promise((resolve) => setImmediate(resolve));
    manager.maybeAutoCommit(start + 8000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.calls.length, 1, 'nothing changed since');
    p0.position = 11;
    manager.maybeAutoCommit(start + 11_000);
    await store.reached(2);
    assert.deepEqual(offsetsOf(store.calls[1]!.offsets), [['t-0', 11]]);
    store.calls[1]!.settle();
    await manager.drain();
  });

  it('checks explicit offsets', () => {
    const { manager } = setup();
    assert.throws(() => manager.prepareExplicit([{ topic: 't', partition: 0, offset: -1 }]), KafkaInvalidArgumentError);
    assert.throws(() => manager.prepareExplicit([{ topic: '', partition: 0, offset: 1 }]), KafkaInvalidArgumentError);
    assert.throws(() => manager.prepareExplicit([{ topic: 't', partition: 0, offset: 1.5 }]), KafkaInvalidArgumentError);
    assert.throws(() => manager.prepareExplicit({} as never), KafkaInvalidArgumentError);
    const [entry] = manager.prepareExplicit([{ topic: 't', partition: 0, offset: 10 }]);
    assert.equal(entry!.leaderEpoch, 1, 'the epoch of the position when committing the position');
    assert.equal(entry!.metadata, '');
  });
});
