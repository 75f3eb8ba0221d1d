/**
 * Executes one dequeued job the way every host does: heartbeats keep its lease alive while the
 * stage runs, its `timeoutMs` (from the job payload) aborts `ctx.signal`, and an outer signal
 * (host shutdown) aborts it too.
 */
import type { DequeuedJob, JobExecuteResult, Kernel } from "@ratchet/kernel";
import { RatchetError } from "@ratchet/kernel";
import type { HeartbeatGroup } from "./heartbeats.js";

/** Options of {@link executeJob}. */
export interface ExecuteJobOptions {
  workerId: string;
  heartbeats: HeartbeatGroup;
  /** Aborts the stage (e.g. the host is shutting down). */
  signal?: AbortSignal;
  /**
   * The job's own controller, when the caller has one already (its signal then stands in for
   * `signal`): timeouts and lost leases abort it, and no second controller is made.
   */
  controller?: AbortController;
  /**
   * How many next-stage jobs the host will run itself right after this one commits (see the
   * kernel's `job.execute` `continueWith`); the result's `next` holds them, already leased.
   */
  continueWith?: number;
  /**
   * Slots of `continueWith` the run's own next jobs leave free take queued jobs in the same
   * commit (the kernel's `job.execute` `refillFromQueue`), so a freed slot needs no dequeue.
   */
  refillFromQueue?: boolean;
  /** The lease of those next jobs (the host's own lease; default: the kernel's `jobLeaseMs`). */
  leaseMs?: number;
}

/** Runs `job` through `job.execute` with heartbeats and its timeout. */
export async function executeJob(
  kernel: Kernel,
  job: DequeuedJob,
  options: ExecuteJobOptions,
): Promise<JobExecuteResult> {
  const controller = options.controller ?? new AbortController();
  const outer = options.controller ? undefined : options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  if (outer?.aborted) controller.abort(outer.reason);
  const timeoutMs = typeof job.payload.timeoutMs === "number" ? job.payload.timeoutMs : undefined;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              new RatchetError(
                "STAGE_TIMEOUT",
                `[ratchet] stage "${job.stageId}" timed out after ${timeoutMs} ms`,
                {
                  workflowRunId: job.workflowRunId,
                  stageId: job.stageId,
                  jobId: job.jobId,
                },
              ),
            ),
          timeoutMs,
        );
  const stop = options.heartbeats.add(job.jobId, controller);
  try {
    return await kernel.dispatch({
      type: "job.execute",
      workerId: options.workerId,
      job,
      signal: controller.signal,
      ...(options.continueWith ? { continueWith: options.continueWith } : {}),
      ...(options.continueWith && options.refillFromQueue ? { refillFromQueue: true } : {}),
      ...(options.continueWith && options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    });
  } finally {
    stop();
    if (timer) clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
  }
}
