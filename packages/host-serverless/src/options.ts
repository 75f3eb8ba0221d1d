/**
 * Options of `createServerlessHost`, checked once when the host is made (a typo in a number
 * should fail at cold start, not on the first message).
 */
import {
  DEFAULT_LEASE_MS,
  findDutyOptionProblem,
  HEARTBEATS_PER_LEASE,
  type HostDutyOptions,
  type MaintenanceOptions,
  maintenanceOptions,
} from "@ratchet/host-common";
import type { Clock, JobTransport, Kernel } from "@ratchet/kernel";
import { systemClock } from "@ratchet/kernel";
import { z } from "zod";
import { InvalidHostOptionsError } from "./errors.js";

/**
 * Options of `createServerlessHost`. The limits of the maintenance tick (`maxClaimsPerTick`,
 * `staleLeaseThresholdMs`, `maxOutboxFlushPerTick`, …) are the kernel's duty options
 * (`DutyOptions` of `@ratchet/kernel`), with the kernel's defaults, so the Node and serverless
 * hosts run the same duties with the same limits.
 */
export interface ServerlessHostOptions extends HostDutyOptions {
  kernel: Kernel;
  /** The job transport the kernel was made with (the same object). */
  jobTransport: JobTransport;
  /** Names this worker in leases and claims; e.g. the Lambda log stream or a random id. */
  workerId: string;
  /** Lease taken on each job, renewed every `leaseMs / 3` while its stage runs (default 30 s). */
  leaseMs?: number;
  /**
   * Where `now` for claims and dequeues comes from (default: the kernel's clock,
   * `kernel.clock`, else the system clock), so host and kernel agree on what is due.
   */
  clock?: Clock;
}

const HostOptions = z.object({
  workerId: z.string().min(1),
  leaseMs: z.number().int().positive().optional(),
});

/** Options with every default applied. */
export interface ResolvedOptions {
  kernel: Kernel;
  jobTransport: JobTransport;
  workerId: string;
  leaseMs: number;
  heartbeatIntervalMs: number;
  clock: Clock;
  /** The tick's limits as given; the kernel's duty defaults fill in the rest. */
  maintenance: MaintenanceOptions;
}

/** Checks `options` and applies the defaults; throws `INVALID_OPTIONS` naming the field. */
export function resolveOptions(options: ServerlessHostOptions): ResolvedOptions {
  const { kernel, jobTransport, clock } = options;
  if (typeof kernel?.dispatch !== "function") {
    throw new InvalidHostOptionsError("`kernel` must be a kernel from createKernel()", "kernel");
  }
  if (typeof jobTransport?.dequeue !== "function") {
    throw new InvalidHostOptionsError(
      "`jobTransport` must be the job transport the kernel was made with",
      "jobTransport",
    );
  }
  const parsed = HostOptions.safeParse({ workerId: options.workerId, leaseMs: options.leaseMs });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "options";
    throw new InvalidHostOptionsError(`option \`${field}\`: ${issue?.message}`, field);
  }
  const problem = findDutyOptionProblem(options);
  if (problem) {
    throw new InvalidHostOptionsError(
      `option \`${problem.field}\`: ${problem.message}`,
      problem.field,
    );
  }
  const { workerId } = parsed.data;
  const leaseMs = parsed.data.leaseMs ?? DEFAULT_LEASE_MS;
  return {
    kernel,
    jobTransport,
    workerId,
    leaseMs,
    heartbeatIntervalMs: Math.max(1, Math.floor(leaseMs / HEARTBEATS_PER_LEASE)),
    clock: clock ?? kernel.clock ?? systemClock,
    maintenance: maintenanceOptions(workerId, options),
  };
}
