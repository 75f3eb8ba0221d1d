/**
 * Defaults shared by the hosts. Each is a named, commented constant so a reader can see why.
 */

/** Lease taken on each job; a worker that dies loses its jobs this long after its last heartbeat. */
export const DEFAULT_LEASE_MS = 30_000;
/** Heartbeats per lease: three, so two can be lost before the lease runs out. */
export const HEARTBEATS_PER_LEASE = 3;
/** Pending runs claimed per maintenance tick. */
export const DEFAULT_MAX_CLAIMS_PER_TICK = 10;
/** Suspended stages checked per maintenance tick. */
export const DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK = 10;
/** Outbox events published per maintenance tick. */
export const DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK = 100;
/** Scheduled commands fired per maintenance tick. */
export const DEFAULT_MAX_SCHEDULED_PER_TICK = 50;
/** Grace after a lease ends before `lease.reapStale` releases the job (clock skew between hosts). */
export const DEFAULT_STALE_LEASE_THRESHOLD_MS = 5_000;
