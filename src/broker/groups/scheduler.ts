/**
 * Time for the group coordinator: a clock plus one-shot timers, behind an interface so that unit
 * tests (and users driving a cluster step by step) can move time explicitly instead of sleeping.
 */
import { KafkaInvalidArgumentError } from '../../protocol/errors.js';

/** A scheduled task; cancelling twice, or after it ran, does nothing. */
export interface ScheduledTask {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds since the epoch (or any fixed origin: only differences and commit timestamps use it). */
  now(): number;
  /** Runs `task` once, `delayMs` from now (0 or less: as soon as possible, never synchronously). */
  schedule(delayMs: number, task: () => void): ScheduledTask;
}

/** Largest delay `setTimeout` honours; longer ones would fire at once. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Real time. Armed timers keep the process alive like any `setTimeout` (a parked JoinGroup must be
 * answered even when nothing else is pending); the coordinator's `close()` cancels them all.
 */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, task) {
    const timer = setTimeout(task, Math.min(Math.max(delayMs, 0), MAX_TIMER_DELAY_MS));
    return { cancel: () => clearTimeout(timer) };
  },
};

interface ManualEntry {
  readonly dueAt: number;
  /** Ties at the same instant run in the order they were scheduled. */
  readonly sequence: number;
  readonly task: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance(ms)` runs every task that falls due, in due-time
 * order, including tasks scheduled by those tasks while they are due within the window.
 */
export class ManualScheduler implements Scheduler {
  private current: number;
  private sequence = 0;
  private entries: ManualEntry[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(delayMs: number, task: () => void): ScheduledTask {
    const entry: ManualEntry = { dueAt: this.current + Math.max(delayMs, 0), sequence: this.sequence++, task, cancelled: false };
    this.entries.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Tasks scheduled and not yet run or cancelled. */
  get pendingCount(): number {
    return this.entries.filter((entry) => !entry.cancelled).length;
  }

  /** When the next live task is due, or null when none is. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const entry of this.entries) {
      if (!entry.cancelled && (next === null || entry.dueAt < next)) next = entry.dueAt;
    }
    return next;
  }

  /**
   * Moves the clock forward by `ms` (0 runs what is due now), running due tasks in order; the
   * clock reads each task's due time while it runs. A task that throws stops the advance and the
   * error propagates to the caller, so a test sees it.
   */
  advance(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new KafkaInvalidArgumentError(`cannot advance the clock by ${ms} ms`);
    const target = this.current + ms;
    for (;;) {
      const entry = this.takeNextDue(target);
      if (entry === undefined) break;
      this.current = Math.max(this.current, entry.dueAt);
      entry.task();
    }
    this.current = target;
  }

  private takeNextDue(limit: number): ManualEntry | undefined {
    this.entries = this.entries.filter((entry) => !entry.cancelled);
    let best: ManualEntry | undefined;
    for (const entry of this.entries) {
      if (entry.dueAt > limit) continue;
      if (best === undefined || entry.dueAt < best.dueAt || (entry.dueAt === best.dueAt && entry.sequence < best.sequence)) {
        best = entry;
      }
    }
    if (best !== undefined) best.cancelled = true;
    return best;
  }
}
