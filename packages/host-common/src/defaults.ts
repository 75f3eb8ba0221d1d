/**
 * Defaults shared by the hosts. Each is a named, commented constant so a reader can see why.
 * The per-tick limits of the periodic duties are the kernel's (`@ratchet/kernel`'s duty list
 * owns them), re-exported here so a host imports every default from one place.
 */

export {
  DEFAULT_MAX_CLAIMS_PER_TICK,
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  DEFAULT_MAX_SCHEDULED_PER_TICK,
  DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  DEFAULT_STALE_LEASE_THRESHOLD_MS,
} from "@ratchet/kernel";

/** Lease taken on each job; a worker that dies loses its jobs this long after its last heartbeat. */
export const DEFAULT_LEASE_MS = 30_000;
/** Heartbeats per lease: three, so two can be lost before the lease runs out. */
export const HEARTBEATS_PER_LEASE = 3;
