/**
 * The request-with-retries helper every client shares.
 *
 * `retryWithBackoff` runs an operation until it succeeds, a non-retriable error occurs, or the
 * deadline passes. Between attempts it waits `retryBackoffMs` doubling up to `retryBackoffMaxMs`
 * (±20% jitter) and repairs what the error says is stale: metadata-class errors
 * (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH,
 * ...) and broken connections mark the metadata for refresh, so the next routing waits for fresh
 * metadata; NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE (and a broken connection to a
 * coordinator) drop the cached coordinator, so the next routing finds it again;
 * COORDINATOR_LOAD_IN_PROGRESS and other retriable errors are simply retried.
 */
import { KafkaAbortError, KafkaConnectionError, KafkaError, KafkaProtocolError, KafkaStateError, KafkaTimeoutError, abortError } from '../protocol/errors.js';
import type { Logger } from './logger.js';
import type { CoordinatorKey } from './coordinators.js';
import { Deadline, backoffDelay, sleep } from './timing.js';

/** Error codes after which the metadata must be refreshed (Java's InvalidMetadataException family, and NOT_CONTROLLER). */
export const METADATA_ERROR_CODES: ReadonlySet<number> = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  9, // REPLICA_NOT_AVAILABLE
  41, // NOT_CONTROLLER
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  100, // UNKNOWN_TOPIC_ID
  103, // INCONSISTENT_TOPIC_ID
]);

/** Error codes after which the coordinator must be found again. */
export const COORDINATOR_ERROR_CODES: ReadonlySet<number> = new Set([
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
]);

/** Default overall time for an operation with retries (the Java client's `default.api.timeout.ms`). */
export const DEFAULT_API_TIMEOUT_MS = 60_000;

export interface ErrorHandling {
  /** Whether the operation may be tried again. */
  readonly retry: boolean;
  readonly refreshMetadata: boolean;
  readonly findCoordinatorAgain: boolean;
}

const FATAL: ErrorHandling = { retry: false, refreshMetadata: false, findCoordinatorAgain: false };

/** What to do about an error an attempt failed with. */
export function classifyError(error: unknown): ErrorHandling {
  if (!(error instanceof KafkaError) || error instanceof KafkaAbortError || error instanceof KafkaStateError) return FATAL;
  if (error instanceof KafkaConnectionError) return { retry: true, refreshMetadata: true, findCoordinatorAgain: true };
  if (METADATA_ERROR_CODES.has(error.code) && error instanceof KafkaProtocolError) return { retry: true, refreshMetadata: true, findCoordinatorAgain: false };
  if (COORDINATOR_ERROR_CODES.has(error.code) && error instanceof KafkaProtocolError) return { retry: true, refreshMetadata: false, findCoordinatorAgain: true };
  return error.retriable ? { retry: true, refreshMetadata: false, findCoordinatorAgain: false } : FATAL;
}

/** The coordinator an error names through its location (group id or transactional id), if any. */
export function coordinatorNamedBy(error: unknown): CoordinatorKey | null {
  if (!(error instanceof KafkaProtocolError) || error.location === undefined) return null;
  if (error.location.groupId !== undefined) return { type: 'group', key: error.location.groupId };
  if (error.location.transactionalId !== undefined) return { type: 'transaction', key: error.location.transactionalId };
  return null;
}

/** What one attempt gets. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Fires when the caller aborts or the overall deadline passes: pass it to every request. */
  readonly signal: AbortSignal;
  /** Time left before the deadline, in ms. */
  remainingMs(): number;
  /** The timeout for one request of this attempt: min(requestTimeoutMs, time left). */
  requestTimeoutMs(): number;
  /** Declares the coordinator this attempt talks to, so coordinator errors drop it from the cache. */
  usingCoordinator(coordinator: CoordinatorKey): void;
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** Overall time for all attempts together. Default 60000 (`default.api.timeout.ms`). */
  timeoutMs?: number;
  /** Attempts at most (default unlimited: the deadline bounds them). */
  maxAttempts?: number;
  /** Names the operation in errors and logs, e.g. 'OffsetFetch for group g1'. */
  what?: string;
  /** The coordinator the operation talks to (for coordinator errors). */
  coordinator?: CoordinatorKey;
  /** Whether a broken or refused connection is retried (default true). */
  retryConnectionErrors?: boolean;
  /** Called before each retry (tests and metrics). */
  onRetry?: (error: KafkaError, attempt: number) => void;
}

/** What the helper needs from the cluster. */
export interface RetryHost {
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Throws `KafkaStateError` once the client is closed. */
  assertOpen(): void;
  requestMetadataRefresh(reason: string): void;
  invalidateCoordinator(coordinator: CoordinatorKey): void;
}

/** Runs `operation` with retries; see the module comment. */
export async function retryWithBackoff<T>(host: RetryHost, operation: (context: AttemptContext) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  host.assertOpen();
  const timeoutMs = options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  const what = options.what ?? 'the operation';
  const maxAttempts = options.maxAttempts ?? Infinity;
  const deadline = new Deadline(timeoutMs, options.signal, () => `${what} timed out after ${timeoutMs} ms`);
  let lastError: KafkaError | null = null;
  const deadlineFailure = (): KafkaError => {
    if (options.signal?.aborted) return abortError(options.signal);
    const detail = lastError === null ? '' : `: ${lastError.message}`;
    return new KafkaTimeoutError(`${what} did not succeed within ${timeoutMs} ms${detail}`, { cause: lastError ?? undefined });
  };
  try {
    for (let attempt = 1; ; attempt++) {
      host.assertOpen();
      if (deadline.signal.aborted) throw deadlineFailure();
      const coordinators: CoordinatorKey[] = options.coordinator === undefined ? [] : [options.coordinator];
      const context: AttemptContext = {
        attempt,
        signal: deadline.signal,
        remainingMs: () => deadline.remainingMs(),
        requestTimeoutMs: () => Math.max(1, Math.min(host.requestTimeoutMs, deadline.remainingMs())),
        usingCoordinator: (coordinator) => void coordinators.push(coordinator),
      };
      try {
        return await operation(context);
      } catch (error) {
        host.assertOpen();
        if (deadline.timedOut || options.signal?.aborted) {
          if (lastError === null && error instanceof KafkaError && !(error instanceof KafkaAbortError)) lastError = error;
          throw deadlineFailure();
        }
        const handling = classifyError(error);
        const retryable = handling.retry && (options.retryConnectionErrors !== false || !(error instanceof KafkaConnectionError));
        if (!retryable || attempt >= maxAttempts) throw error;
        const failure = error as KafkaError;
        lastError = failure;
        if (handling.refreshMetadata) host.requestMetadataRefresh(`${what}: ${failure.errorName}`);
        if (handling.findCoordinatorAgain) {
          const named = coordinatorNamedBy(failure);
          if (named !== null) coordinators.push(named);
          for (const coordinator of coordinators) host.invalidateCoordinator(coordinator);
        }
        const wait = backoffDelay(host.retryBackoffMs, host.retryBackoffMaxMs, attempt);
        host.logger.debug('retrying', { what, attempt, waitMs: wait, error: failure.message });
        options.onRetry?.(failure, attempt);
        if (wait >= deadline.remainingMs()) throw deadlineFailure();
        try {
          await sleep(wait, deadline.signal);
        } catch {
          host.assertOpen();
          throw deadlineFailure();
        }
      }
    }
  } finally {
    deadline.dispose();
  }
}
