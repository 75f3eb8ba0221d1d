/**
 * `job.heartbeat`: renews the leases of jobs a worker is running, so a long stage is never
 * reaped as stale, and tells the worker which jobs to stop (lease lost, run cancelled). Jobs
 * running in this kernel instance have their `ctx.signal` aborted here directly.
 */
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { JobHeartbeatCommand, JobHeartbeatResult } from "./types.js";

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
  const cancelled: string[] = [];
  for (const job of jobs) {
    if (!job || !ended.has(job.workflowRunId)) continue;
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
