/**
 * Clock port: the kernel's only source of time.
 *
 * Implementing it: return the current time. Production uses {@link systemClock}; tests use
 * `FakeClock` from `@ratchet/kernel/testing` to move time by hand, which drives every timing
 * path (leases, back-off, polling, scheduling) without waiting.
 */

/** Source of the current time. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };
