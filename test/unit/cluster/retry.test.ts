/**
 * The shared retry helper: which errors are retried, what each repairs (metadata, coordinator),
 * backoff within a deadline, aborts, and the closed client.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, retryWithBackoff, type RetryHost } from '../../../src/cluster/retry.js';
import type { CoordinatorKey } from '../../../src/cluster/coordinators.js';
import { silentLogger } from '../../../src/cluster/logger.js';
import {
  KafkaAbortError,
  KafkaConfigError,
  KafkaConnectionError,
  KafkaDecodeError,
  KafkaError,
  KafkaProtocolError,
  KafkaStateError,
  KafkaTimeoutError,
  KafkaUnsupportedVersionError,
} from '../../../src/protocol/errors.js';

class RecordingHost implements RetryHost {
  readonly logger = silentLogger;
  requestTimeoutMs = 30_000;
  retryBackoffMs = 1;
  retryBackoffMaxMs = 4;
  closed = false;
  readonly refreshes: string[] = [];
  readonly invalidated: CoordinatorKey[] = [];
  assertOpen(): void {
    if (this.closed) throw new KafkaStateError('the client is closed');
  }
  requestMetadataRefresh(reason: string): void {
    this.refreshes.push(reason);
  }
  invalidateCoordinator(coordinator: CoordinatorKey): void {
    this.invalidated.push(coordinator);
  }
}

/** An operation failing with `errors` in turn, then resolving with the attempt number. */
function failing(errors: unknown[]): (context: { attempt: number }) => Promise<number> {
  return async ({ attempt }) => {
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return attempt;
  };
}

describe('error classification', () => {
  it('retries retriable errors and says what to repair', () => {
    const cases: [unknown, boolean, boolean, boolean][] = [
      [new KafkaProtocolError(6, { topic: 't', partition: 0 }), true, true, false],
      [new KafkaProtocolError(3), true, true, false],
      [new KafkaProtocolError(5), true, true, false],
      [new KafkaProtocolError(74), true, true, false],
      [new KafkaProtocolError(75), true, true, false],
      [new KafkaProtocolError(16, { groupId: 'g' }), true, false, true],
      [new KafkaProtocolError(15, { groupId: 'g' }), true, false, true],
      [new KafkaProtocolError(14, { groupId: 'g' }), true, false, false],
      [new KafkaProtocolError(7), true, false, false],
      [new KafkaConnectionError('gone'), true, true, true],
      [new KafkaTimeoutError('slow'), true, false, false],
      [new KafkaError('full', { errorName: 'BUFFER_EXHAUSTED', retriable: true }), true, false, false],
      [new KafkaProtocolError(29, { topic: 't' }), false, false, false],
      [new KafkaUnsupportedVersionError('old'), false, false, false],
      [new KafkaDecodeError('bad'), false, false, false],
      [new KafkaAbortError(), false, false, false],
      [new KafkaStateError('closed'), false, false, false],
      [new KafkaConfigError('bad'), false, false, false],
      [new Error('plain'), false, false, false],
    ];
    for (const [error, retry, refreshMetadata, findCoordinatorAgain] of cases) {
      assert.deepEqual(classifyError(error), { retry, refreshMetadata, findCoordinatorAgain }, String(error));
    }
  });
});

describe('retryWithBackoff', () => {
  it('retries until the operation succeeds, refreshing metadata after metadata-class errors', async () => {
    const host = new RecordingHost();
    const retried: string[] = [];
    const result = await retryWithBackoff(host, failing([new KafkaProtocolError(6, { topic: 't', partition: 1 }), new KafkaProtocolError(14, { groupId: 'g' })]), {
      what: 'op',
      onRetry: (error, attempt) => retried.push(`${attempt}:${error.errorName}`),
    });
    assert.equal(result, 3);
    assert.deepEqual(retried, ['1:NOT_LEADER_OR_FOLLOWER', '2:COORDINATOR_LOAD_IN_PROGRESS']);
    assert.deepEqual(host.refreshes, ['op: NOT_LEADER_OR_FOLLOWER']);
    assert.deepEqual(host.invalidated, []);
  });

  it('drops the coordinator named by the error, and the one the attempt declared', async () => {
    const host = new RecordingHost();
    const result = await retryWithBackoff(
      host,
      async (context) => {
        context.usingCoordinator({ type: 'transaction', key: 'tx' });
        if (context.attempt === 1) throw new KafkaProtocolError(16, { groupId: 'g1' });
        return 'ok';
      },
      {},
    );
    assert.equal(result, 'ok');
    assert.deepEqual(host.invalidated, [
      { type: 'transaction', key: 'tx' },
      { type: 'group', key: 'g1' },
    ]);
  });

  it('does not retry non-retriable errors', async () => {
    const host = new RecordingHost();
    const fatal = new KafkaProtocolError(29, { topic: 't' });
    let attempts = 0;
    await assert.rejects(
      retryWithBackoff(host, async () => {
        attempts++;
        throw fatal;
      }),
      (error) => error === fatal,
    );
    assert.equal(attempts, 1);
  });

  it('does not retry connection errors when told not to, and stops after maxAttempts', async () => {
    const host = new RecordingHost();
    const refused = new KafkaConnectionError('refused');
    await assert.rejects(retryWithBackoff(host, failing([refused]), { retryConnectionErrors: false }), (error) => error === refused);
    const slow = new KafkaTimeoutError('slow');
    await assert.rejects(retryWithBackoff(host, failing([slow, slow, slow, slow]), { maxAttempts: 3 }), (error) => error === slow);
  });

  it('gives up at the deadline with a KafkaTimeoutError carrying the last error', async () => {
    const host = new RecordingHost();
    host.retryBackoffMs = 20;
    host.retryBackoffMaxMs = 20;
    const started = performance.now();
    let attempts = 0;
    await assert.rejects(
      retryWithBackoff(
        host,
        async () => {
          attempts++;
          throw new KafkaProtocolError(5, { topic: 't', partition: 0 });
        },
        { timeoutMs: 150, what: 'waiting for a leader' },
      ),
      (error: unknown) => {
        assert.ok(error instanceof KafkaTimeoutError);
        assert.match(error.message, /^waiting for a leader did not succeed within 150 ms: LEADER_NOT_AVAILABLE \(t-0\)$/);
        assert.ok(error.cause instanceof KafkaProtocolError && error.cause.code === 5);
        return true;
      },
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    assert.ok(attempts >= 2, `only ${attempts} attempts`);
  });

  it('aborts an attempt in progress when the deadline passes', async () => {
    const host = new RecordingHost();
    await assert.rejects(
      retryWithBackoff(host, (context) => new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new KafkaAbortError('aborted')))), { timeoutMs: 50, what: 'hanging' }),
      (error: unknown) => error instanceof KafkaTimeoutError && error.message === 'hanging did not succeed within 50 ms',
    );
  });

  it('rejects with KafkaAbortError when the caller aborts, during an attempt or a backoff', async () => {
    const host = new RecordingHost();
    const controller = new AbortController();
    const pending = retryWithBackoff(host, (context) => new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new KafkaAbortError()))), { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, KafkaAbortError);

    host.retryBackoffMs = 10_000;
    host.retryBackoffMaxMs = 10_000;
    const second = new AbortController();
    const backingOff = retryWithBackoff(host, failing([new KafkaTimeoutError('slow')]), { signal: second.signal, onRetry: () => queueMicrotask(() => second.abort()) });
    await assert.rejects(backingOff, KafkaAbortError);
  });

  it('fails with KafkaStateError once the client is closed', async () => {
    const host = new RecordingHost();
    await assert.rejects(
      retryWithBackoff(host, async () => {
        host.closed = true;
        throw new KafkaConnectionError('connection closed by the client');
      }),
      KafkaStateError,
    );
    await assert.rejects(retryWithBackoff(host, async () => 1), KafkaStateError);
  });
});
