/**
 * Runs one job this host holds the lease of, through host-common's `executeJob` (heartbeats
 * every lease/3, the stage's timeout), and turns whatever happens into a
 * {@link HandleJobResult}: it never throws.
 */
import { executeJob } from "@ratchet/host-common";
import type { DequeuedJob } from "@ratchet/kernel";
import type { HostContext } from "./context.js";
import { reportError } from "./errors.js";
import { fromExecuteResult, type HandleJobResult, unexpectedFailure } from "./result.js";

/** Executes `job` and counts its outcome. */
export async function runJob(ctx: HostContext, job: DequeuedJob): Promise<HandleJobResult> {
  const { kernel, workerId } = ctx.options;
  ctx.stats.running++;
  let result: HandleJobResult;
  try {
    const executed = await executeJob(kernel, job, { workerId, heartbeats: ctx.heartbeats });
    result = fromExecuteResult(job.jobId, executed);
  } catch (error) {
    // The job stays leased: `lease.reapStale` puts it back once the lease ends and counts the
    // attempt, so a job that breaks the host every time is not retried forever.
    result = {
      ...unexpectedFailure(reportError(error), job.jobId),
      workflowRunId: job.workflowRunId,
      stageId: job.stageId,
    };
  } finally {
    ctx.stats.running--;
  }
  ctx.stats.jobsProcessed++;
  countOutcome(ctx, result);
  return result;
}

/** Adds `result` to the counters. */
export function countOutcome(ctx: HostContext, result: HandleJobResult): void {
  ctx.stats.outcomes[result.outcome]++;
  if (!result.ack) ctx.stats.errors++;
}
