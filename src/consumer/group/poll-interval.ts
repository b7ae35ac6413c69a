/**
 * The max.poll.interval.ms clock of a group member: the application's polls restart it; when it
 * runs out the member leaves the group (as Java's heartbeat thread makes it), so that a stuck
 * application does not hold partitions while the rest of the group waits. One unref'd timer, armed
 * for the remaining time and re-armed when polls came meanwhile (a poll costs no timer work).
 */
export class PollIntervalWatch {
  private lastPollAt = performance.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    /** True while the application waits inside the member (that counts as polling). */
    private readonly waiting: () => boolean,
    private readonly expired: () => void,
  ) {}

  notePoll(): void {
    this.lastPollAt = performance.now();
  }

  /** Starts watching (no-op while armed). */
  arm(): void {
    if (this.timer !== null) return;
    const remaining = this.lastPollAt + this.intervalMs - performance.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, Math.max(1, Math.ceil(remaining)));
    this.timer.unref();
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private check(): void {
    if (this.waiting()) this.notePoll();
    if (performance.now() - this.lastPollAt < this.intervalMs) {
      this.arm();
      return;
    }
    this.expired();
  }
}
