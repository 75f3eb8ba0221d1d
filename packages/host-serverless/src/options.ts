/**
 * Options of `createServerlessHost`, checked once when the host is made (a typo in a number
 * should fail at cold start, not on the first message).
 */
import {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_CLAIMS_PER_TICK,
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  DEFAULT_MAX_SCHEDULED_PER_TICK,
  DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  DEFAULT_STALE_LEASE_THRESHOLD_MS,
  HEARTBEATS_PER_LEASE,
  type MaintenanceOptions,
} from "@ratchet/host-common";
import type { Clock, JobTransport, Kernel } from "@ratchet/kernel";
import { systemClock } from "@ratchet/kernel";
import { z } from "zod";
import { InvalidHostOptionsError } from "./errors.js";

/** Options of `createServerlessHost`. */
export interface ServerlessHostOptions {
  kernel: Kernel;
  /** The job transport the kernel was made with (the same object). */
  jobTransport: JobTransport;
  /** Names this worker in leases and claims; e.g. the Lambda log stream or a random id. */
  workerId: string;
  /** Lease taken on each job, renewed every `leaseMs / 3` while its stage runs (default 30 s). */
  leaseMs?: number;
  /** Grace after a lease ends before the maintenance tick releases its job (default 5 s). */
  staleLeaseThresholdMs?: number;
  /** Pending runs claimed per maintenance tick (default 10). */
  maxClaimsPerTick?: number;
  /** Suspended stages checked per maintenance tick (default 10). */
  maxSuspendedChecksPerTick?: number;
  /** Outbox events published per maintenance tick (default 100). */
  maxOutboxFlushPerTick?: number;
  /** Scheduled commands fired per maintenance tick (default 50). */
  maxScheduledPerTick?: number;
  /** Runs not updated for this long are examined for repair (default: the kernel's). */
  stuckRunThresholdMs?: number;
  /**
   * Where `now` for claims and dequeues comes from (default: the system clock). Pass the
   * kernel's clock when it is not the system clock, so host and kernel agree on what is due.
   */
  clock?: Clock;
}

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

const NumericOptions = z.object({
  workerId: z.string().min(1),
  leaseMs: positiveInt.optional(),
  staleLeaseThresholdMs: nonNegative.optional(),
  maxClaimsPerTick: positiveInt.optional(),
  maxSuspendedChecksPerTick: positiveInt.optional(),
  maxOutboxFlushPerTick: positiveInt.optional(),
  maxScheduledPerTick: positiveInt.optional(),
  stuckRunThresholdMs: nonNegative.optional(),
});

/** Options with every default applied. */
export interface ResolvedOptions {
  kernel: Kernel;
  jobTransport: JobTransport;
  workerId: string;
  leaseMs: number;
  heartbeatIntervalMs: number;
  clock: Clock;
  maintenance: MaintenanceOptions;
}

/** Checks `options` and applies the defaults; throws `INVALID_OPTIONS` naming the field. */
export function resolveOptions(options: ServerlessHostOptions): ResolvedOptions {
  const { kernel, jobTransport, clock, ...numeric } = options;
  if (typeof kernel?.dispatch !== "function") {
    throw new InvalidHostOptionsError("`kernel` must be a kernel from createKernel()", "kernel");
  }
  if (typeof jobTransport?.dequeue !== "function") {
    throw new InvalidHostOptionsError(
      "`jobTransport` must be the job transport the kernel was made with",
      "jobTransport",
    );
  }
  const parsed = NumericOptions.safeParse(numeric);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "options";
    throw new InvalidHostOptionsError(`option \`${field}\`: ${issue?.message}`, field);
  }
  const o = parsed.data;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  return {
    kernel,
    jobTransport,
    workerId: o.workerId,
    leaseMs,
    heartbeatIntervalMs: Math.max(1, Math.floor(leaseMs / HEARTBEATS_PER_LEASE)),
    clock: clock ?? systemClock,
    maintenance: {
      workerId: o.workerId,
      maxClaimsPerTick: o.maxClaimsPerTick ?? DEFAULT_MAX_CLAIMS_PER_TICK,
      maxSuspendedChecksPerTick:
        o.maxSuspendedChecksPerTick ?? DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
      maxOutboxFlushPerTick: o.maxOutboxFlushPerTick ?? DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
      maxScheduledPerTick: o.maxScheduledPerTick ?? DEFAULT_MAX_SCHEDULED_PER_TICK,
      staleLeaseThresholdMs: o.staleLeaseThresholdMs ?? DEFAULT_STALE_LEASE_THRESHOLD_MS,
      ...(o.stuckRunThresholdMs === undefined
        ? {}
        : { stuckRunThresholdMs: o.stuckRunThresholdMs }),
    },
  };
}
