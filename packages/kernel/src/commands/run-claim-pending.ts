/**
 * `run.claimPending`: moves pending runs to `RUNNING` and enqueues their first group, all in
 * one transaction (the jobs become visible only when it commits).
 */
import type { KernelDeps } from "../internal/deps.js";
import { failRunPatch, startGroup } from "../internal/progression.js";
import { commitLockedRun, inTransaction } from "../internal/unit-of-work.js";
import type { RunClaimPendingCommand, RunClaimPendingResult } from "./types.js";

/** Handles `run.claimPending`. */
export async function runClaimPending(
  command: RunClaimPendingCommand,
  deps: KernelDeps,
): Promise<RunClaimPendingResult> {
  return inTransaction(deps, async (uow) => {
    const runs = await uow.tx.claimPendingRuns({ limit: command.maxClaims ?? 10, now: uow.now });
    const result: RunClaimPendingResult = { claimed: [], failed: [] };
    for (const run of runs) {
      const workflow = deps.registry.getWorkflow(run.workflowId);
      if (!workflow) {
        const code = "WORKFLOW_NOT_FOUND";
        await commitLockedRun(
          uow,
          run,
          failRunPatch(uow, run, {
            code,
            message: `[ratchet] workflow "${run.workflowId}" is not registered on worker ${command.workerId}`,
          }),
        );
        result.failed.push({ workflowRunId: run.id, code });
        continue;
      }
      const started = await startGroup(deps, uow, run, workflow, 0);
      const jobIds = started.jobs.map((job) => job.jobId);
      uow.event(run, "workflow.started", { workerId: command.workerId });
      // Claimed rows stay locked until the commit: their updates need no answer.
      await commitLockedRun(uow, run, {
        currentGroup: 0,
        groupRemaining: started.stages.length,
        startedAt: uow.now,
      });
      result.claimed.push({ workflowRunId: run.id, workflowId: run.workflowId, jobIds });
    }
    return result;
  });
}
