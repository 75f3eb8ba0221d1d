/** Options of the periodic duties, and their defaults. */

/** Pending runs claimed per round. */
export const DEFAULT_MAX_CLAIMS_PER_TICK = 10;
/** Suspended stages checked per round. */
export const DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK = 10;
/**
 * Outbox events published per round (and per flush of a host draining a backlog): under load a
 * flush of 400 took W1's commits per stage from 0.233 to 0.19 against flushes of 100; a flush
 * publishes at most `OUTBOX_PUBLISH_CONCURRENCY` runs' events at once.
 */
export const DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK = 400;
/** Cron schedules handled per round (`schedules.fireDue`). */
export const DEFAULT_MAX_CRON_SCHEDULES_PER_TICK = 20;
/** Scheduled commands fired per round. */
export const DEFAULT_MAX_SCHEDULED_PER_TICK = 50;
/** Least time between two retention sweeps of one kernel (`purge` duty) that found nothing more. */
export const DEFAULT_PURGE_INTERVAL_MS = 60_000;
/** Runs the `purge` duty deletes per round, in one transaction (`runs.purge`'s `maxRuns`). */
export const DEFAULT_MAX_PURGE_PER_TICK = 500;
/** Grace after a lease ends before `lease.reapStale` releases the job (clock skew between hosts). */
export const DEFAULT_STALE_LEASE_THRESHOLD_MS = 5_000;

/**
 * Limits of one round of duties. Every field is optional but `workerId`; the defaults are the
 * constants above (and, where none is named, the command's own default).
 */
export interface DutyOptions {
  /** Who starts scheduled runs, claims runs, checks suspended stages, fires schedules and publishes events. */
  workerId: string;
  /** Runs `run.claimPending` takes per round (default {@link DEFAULT_MAX_CLAIMS_PER_TICK}). */
  maxClaimsPerTick?: number;
  /**
   * How many of the claimed runs' first jobs the claim leases to `workerId` right away
   * (`run.claimPending`'s `continueWith`; default 0). Whoever runs the round must then run
   * them: they come back in the claim's result.
   */
  claimContinueWith?: number;
  /** Lease of the jobs `claimContinueWith` hands back (default: the kernel's `jobLeaseMs`). */
  claimLeaseMs?: number;
  /** Suspended stages checked per round (default {@link DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK}). */
  maxSuspendedChecksPerTick?: number;
  /** Grace after a lease ends (default {@link DEFAULT_STALE_LEASE_THRESHOLD_MS}). */
  staleLeaseThresholdMs?: number;
  /** Stale jobs handled per round (default: `lease.reapStale`'s, 100). */
  maxStaleJobsPerTick?: number;
  /** Runs not updated for this long are examined for being stuck (default: the kernel's). */
  stuckRunThresholdMs?: number;
  /** Runs examined for being stuck per round (default: `run.reapStuck`'s, 50). */
  maxStuckRunsPerTick?: number;
  /** Cron schedules handled per round (default {@link DEFAULT_MAX_CRON_SCHEDULES_PER_TICK}). */
  maxCronSchedulesPerTick?: number;
  /** Scheduled commands fired per round (default {@link DEFAULT_MAX_SCHEDULED_PER_TICK}). */
  maxScheduledPerTick?: number;
  /** Outbox events published per round (default {@link DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK}). */
  maxOutboxFlushPerTick?: number;
  /**
   * Dead-lettered events moved back to the outbox per round (default 0: off). Dead letters
   * are kept for an operator to look at; turn this on only where the event sink's outages are
   * known to be temporary (the deterministic simulation does).
   */
  replayDeadLettersPerTick?: number;
  /**
   * Least time between two retention sweeps on this kernel, in ms (default
   * {@link DEFAULT_PURGE_INTERVAL_MS}). A sweep that filled its batch is followed by another at
   * the next round, so a backlog drains a batch per round; one that found nothing more makes
   * the `purge` duty return at once, without a query, until the interval has passed. With no
   * retention configured (`options.retention`, workflows' `retention`, `idempotencyKeyTtlMs`)
   * a sweep reads nothing at all.
   */
  purgeIntervalMs?: number;
  /** Runs deleted per round by the `purge` duty (default {@link DEFAULT_MAX_PURGE_PER_TICK}; 0: off). */
  maxPurgePerTick?: number;
}
