/** A clock moved by hand, so tests drive every timing path (leases, back-off, timers) at once. */
import type { Clock } from "../ports/clock.js";

/** Default start of a {@link FakeClock}: 2026-01-01T00:00:00Z. */
export const FAKE_CLOCK_START = Date.UTC(2026, 0, 1);

/**
 * A {@link Clock} that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * clock.advance(30_000); // 30 seconds later, at once
 * ```
 */
export class FakeClock implements Clock {
  private time: number;

  /** Starts at `start` (default 2026-01-01T00:00:00Z). */
  constructor(start: Date | number = FAKE_CLOCK_START) {
    this.time = toMillis(start);
  }

  /** The current fake time, as a new `Date` on every call. */
  now(): Date {
    return new Date(this.time);
  }

  /** Moves time forward by `ms` milliseconds (not backwards); returns the new time. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(
        `[ratchet] FakeClock.advance needs a finite, non-negative number of ms, got ${ms}`,
      );
    }
    this.time += ms;
    return this.now();
  }

  /** Jumps to `date` (forwards or backwards). */
  set(date: Date | number): void {
    this.time = toMillis(date);
  }
}

function toMillis(value: Date | number): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms))
    throw new RangeError(`[ratchet] FakeClock needs a valid time, got ${String(value)}`);
  return ms;
}
