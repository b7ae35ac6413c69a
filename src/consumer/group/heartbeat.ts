/**
 * The heartbeat loop of a group member: one Heartbeat request at a time, every
 * `heartbeatIntervalMs` (measured from the previous send), on a timer of its own so that it runs
 * however long the application takes per record, as the Java client's heartbeat thread. After a
 * failure the next attempt follows the retry backoff instead of the interval.
 *
 * The loop knows nothing of the group's rules: it asks the member what to send (or whether to send
 * at all) and reports each outcome back. Its timer is unref'd: heartbeats alone never keep the
 * process alive, and `stop()` clears everything.
 */
import { backoffDelay } from '../../cluster/timing.js';
import type { KafkaError } from '../../protocol/errors.js';

/** The generation a heartbeat was sent with. */
export interface HeartbeatIdentity {
  readonly generationId: number;
  readonly memberId: string;
}

export interface HeartbeatTarget {
  /** What to heartbeat with now, or null when no heartbeat is due (not a member, or joining). */
  heartbeatIdentity(): HeartbeatIdentity | null;
  /** Sends one Heartbeat; rejects with the broker's error code as a `KafkaProtocolError`, or a connection/timeout error. */
  sendHeartbeat(identity: HeartbeatIdentity, signal: AbortSignal): Promise<void>;
  heartbeatSucceeded(identity: HeartbeatIdentity): void;
  heartbeatFailed(identity: HeartbeatIdentity, error: KafkaError): void;
}

export interface HeartbeatSettings {
  readonly intervalMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
}

export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: AbortController | null = null;
  private failures = 0;
  private running = false;

  constructor(
    private readonly target: HeartbeatTarget,
    private readonly settings: HeartbeatSettings,
  ) {}

  /** Starts heartbeating (the first one after an interval) unless already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.schedule(this.settings.intervalMs);
  }

  /** Stops the loop and abandons a heartbeat in flight (its outcome is ignored). */
  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      // The target's handlers do not throw; a bug there must still not become an unhandled rejection.
      this.beat().catch(() => undefined);
    }, Math.max(0, delayMs));
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (!this.running || this.inFlight !== null) return;
    const identity = this.target.heartbeatIdentity();
    if (identity === null) {
      this.running = false;
      return;
    }
    const controller = new AbortController();
    this.inFlight = controller;
    const sentAt = performance.now();
    let failure: KafkaError | null = null;
    try {
      await this.target.sendHeartbeat(identity, controller.signal);
    } catch (error) {
      failure = error as KafkaError;
    }
    if (this.inFlight !== controller) return; // stopped (and maybe restarted) meanwhile
    this.inFlight = null;
    if (!this.running) return;
    try {
      if (failure === null) {
        this.failures = 0;
        this.target.heartbeatSucceeded(identity);
      } else {
        this.failures++;
        this.target.heartbeatFailed(identity, failure);
      }
    } finally {
      // The target may have stopped the loop in its handler (the member left or was fenced).
      if (this.running && this.timer === null) {
        const next =
          this.failures === 0
            ? this.settings.intervalMs - (performance.now() - sentAt)
            : Math.min(backoffDelay(this.settings.retryBackoffMs, this.settings.retryBackoffMaxMs, this.failures), this.settings.intervalMs);
        this.schedule(next);
      }
    }
  }
}
