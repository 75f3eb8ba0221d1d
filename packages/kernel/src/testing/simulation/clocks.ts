/**
 * Per-worker clocks: each simulated host reads the shared fake time plus a skew of its own,
 * which the simulation changes now and then — forwards or backwards, so a host's clock can
 * step back. The skew stays within what the engine tolerates: leases are judged by the
 * caller's clock, and `lease.reapStale` waits a grace after a lease ends before it releases
 * the job, so two hosts' clocks must differ by less than that grace.
 */
import { DEFAULT_STALE_LEASE_THRESHOLD_MS } from "../../duties/options.js";
import type { Clock } from "../../ports/clock.js";

/**
 * The grace after a lease ends before the simulation's reapers release the job: the hosts'
 * default, {@link DEFAULT_STALE_LEASE_THRESHOLD_MS} (5 s).
 */
export const SIMULATION_STALE_LEASE_GRACE_MS = DEFAULT_STALE_LEASE_THRESHOLD_MS;

/**
 * The largest skew of a worker's clock from the shared time (±2 s): two workers then differ by
 * at most 4 s, below {@link SIMULATION_STALE_LEASE_GRACE_MS}, so a reaper whose clock runs
 * ahead still never releases a lease its holder's clock says is valid.
 */
export const SIMULATION_MAX_CLOCK_SKEW_MS = 2_000;

/** A worker's clock: the shared clock plus a skew the simulation sets. */
export class SkewedClock implements Clock {
  /** How far ahead of the shared time this clock reads (ms; negative: behind). */
  skewMs = 0;

  /** A clock reading `shared` plus {@link SkewedClock.skewMs}. */
  constructor(private readonly shared: Clock) {}

  /** The shared time plus the skew. */
  now(): Date {
    return new Date(this.shared.now().getTime() + this.skewMs);
  }

  /** The reading in milliseconds. */
  millis(): number {
    return this.shared.now().getTime() + this.skewMs;
  }
}
