/**
 * `job.heartbeat`: renews the leases of jobs a worker is running, so a long stage is never
 * reaped as stale, and tells the worker which jobs to stop (lease lost, run cancelled). Jobs
 * running in this kernel instance have their `ctx.signal` aborted here directly.
 */

import { z } from "zod";
import { compensatedStageId } from "../dsl/compensation.js";
import { HOOK_PREFIX } from "../dsl/hooks.js";
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { defineCommand } from "./command.js";
import { id, isId, isIdArray, isPositiveInt, optional, positiveInt } from "./fields.js";

/** Renews the leases of running jobs and reports which ones should stop. */
export interface JobHeartbeatCommand {
  type: "job.heartbeat";
  workerId: string;
  jobIds: string[];
  /** Lease length (default: the kernel's `jobLeaseMs`). */
  leaseMs?: number;
}

/** Result of `job.heartbeat`. */
export interface JobHeartbeatResult {
  renewed: string[];
  /** Jobs this worker no longer holds. Their `ctx.signal` was aborted if they run here. */
  lost: string[];
  /** Jobs whose run was cancelled or ended. Their `ctx.signal` was aborted if they run here. */
  cancelled: string[];
}

/** Handles `job.heartbeat`. */
export async function jobHeartbeat(
  command: JobHeartbeatCommand,
  deps: KernelDeps,
): Promise<JobHeartbeatResult> {
  if (command.jobIds.length === 0) return { renewed: [], lost: [], cancelled: [] };
  const now = deps.clock.now();
  const { renewed, lost } = await deps.jobTransport.renewLeases(
    command.jobIds,
    command.workerId,
    command.leaseMs ?? deps.options.jobLeaseMs,
    now,
  );
  for (const jobId of lost) {
    deps.inFlight.abortJob(
      jobId,
      "lease-lost",
      new RatchetError(
        "LEASE_LOST",
        `[ratchet] job ${jobId} is no longer held by ${command.workerId}`,
        { jobId },
      ),
    );
  }
  const jobs = await Promise.all(renewed.map((jobId) => deps.jobTransport.getJob(jobId)));
  const runIds = [...new Set(jobs.flatMap((job) => (job ? [job.workflowRunId] : [])))];
  const runs = await Promise.all(runIds.map((id) => deps.persistence.getRun(id)));
  const ended = new Set(runs.flatMap((run) => (run && run.status !== "RUNNING" ? [run.id] : [])));
  // A compensating run's compensation jobs go on (its other jobs were cancelled).
  const compensating = new Set(
    runs.flatMap((run) => (run?.status === "COMPENSATING" ? [run.id] : [])),
  );
  const cancelled: string[] = [];
  for (const job of jobs) {
    if (!job || !ended.has(job.workflowRunId)) continue;
    if (compensating.has(job.workflowRunId) && compensatedStageId(job.stageId) !== undefined)
      continue;
    // An end hook runs after its run ended.
    if (job.stageId.startsWith(HOOK_PREFIX)) continue;
    cancelled.push(job.jobId);
    deps.inFlight.abortJob(
      job.jobId,
      "cancelled",
      new RatchetError(
        "RUN_CANCELLED",
        `[ratchet] run ${job.workflowRunId} was cancelled or has ended`,
        {
          workflowRunId: job.workflowRunId,
          jobId: job.jobId,
        },
      ),
    );
  }
  return { renewed: renewed.filter((id) => !cancelled.includes(id)), lost, cancelled };
}

/** `job.heartbeat`: its schema, fast check and handler. */
export const jobHeartbeatModule = defineCommand<JobHeartbeatCommand, JobHeartbeatResult>({
  type: "job.heartbeat",
  schema: z.object({
    type: z.literal("job.heartbeat"),
    workerId: id,
    jobIds: z.array(id),
    leaseMs: positiveInt.optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workerId) && isIdArray(c.jobIds) && optional(c.leaseMs, isPositiveInt),
  handle: jobHeartbeat,
});
