/**
 * Time helpers of the cluster layer: exponential backoff with jitter, abortable sleeps, racing a
 * shared promise against one caller's AbortSignal, and deadlines as AbortSignals.
 */
import { KafkaTimeoutError, abortError } from '../protocol/errors.js';

/** setTimeout's largest delay. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Spread of the random factor applied to backoffs, as the Java client's (±20%). */
export const BACKOFF_JITTER = 0.2;

/**
 * The wait before attempt number `failures + 1`: `baseMs * 2^(failures - 1)`, capped at `maxMs`,
 * times a random factor in [0.8, 1.2) (as Java's ExponentialBackoff). 0 when nothing failed yet.
 */
export function backoffDelay(baseMs: number, maxMs: number, failures: number, random: () => number = Math.random): number {
  if (failures <= 0 || maxMs <= 0) return 0;
  const term = Math.min(baseMs * 2 ** Math.min(failures - 1, 52), maxMs);
  return Math.max(0, Math.round(term * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random())));
}

/** Resolves after `ms`; rejects with `KafkaAbortError` as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER_DELAY_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for a promise that others may share (a connection being set up, a metadata refresh) but
 * gives up as soon as this caller's `signal` fires, leaving the promise running for the others.
 */
export function raceSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** An AbortSignal that fires when the parent fires or when the deadline passes. */
export class Deadline {
  readonly signal: AbortSignal;
  /** `performance.now()` at which it expires (Infinity: never). */
  readonly expiresAt: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | null;
  private expired = false;
  private readonly onParentAbort: () => void;

  constructor(
    timeoutMs: number,
    private readonly parent: AbortSignal | undefined,
    describe: () => string,
  ) {
    this.signal = this.controller.signal;
    this.expiresAt = performance.now() + timeoutMs;
    this.onParentAbort = () => this.controller.abort(parent!.reason);
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.timer =
      timeoutMs === Infinity
        ? null
        : setTimeout(
            () => {
              this.expired = true;
              this.controller.abort(new KafkaTimeoutError(describe()));
            },
            Math.min(Math.max(timeoutMs, 0), MAX_TIMER_DELAY_MS),
          );
  }

  /** Whether the deadline (not the parent signal) fired. */
  get timedOut(): boolean {
    return this.expired;
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - performance.now());
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
