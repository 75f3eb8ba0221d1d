/**
 * A timer for "something is due at T": calls its function at the earliest time it was given
 * (a later time while an earlier one is pending changes nothing). Hosts use it so a sleep,
 * a poll or a retry back-off that ends before the next regular tick is handled when it ends,
 * not up to a whole (backed-off) interval later. Due times are the kernel's, so the wait is
 * measured from the host's clock; the timer itself runs in real time.
 */
import type { Clock } from "@ratchet/kernel";

/** Longest single wait `setTimeout` takes reliably (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `fire` at the earliest time given to {@link DueTimer.at}. */
export class DueTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dueAt = Number.POSITIVE_INFINITY;

  /**
   * @param fire What to do when the time comes.
   * @param clock Where "now" comes from: the clock the due times were computed with.
   * @param slackMs Fired this long after the due time, so the work is due when it runs.
   */
  constructor(
    private readonly fire: () => void,
    private readonly clock: Clock,
    private readonly slackMs = 5,
  ) {}

  /** Makes sure `fire` runs at `at` (or earlier, if an earlier time is pending). */
  at(at: Date): void {
    const due = at.getTime();
    if (!Number.isFinite(due) || due >= this.dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = due;
    const wait = Math.min(
      MAX_TIMEOUT_MS,
      Math.max(0, due - this.clock.now().getTime()) + this.slackMs,
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Number.POSITIVE_INFINITY;
      this.fire();
    }, wait);
    // A due time never keeps the process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Forgets the pending time. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
  }
}
