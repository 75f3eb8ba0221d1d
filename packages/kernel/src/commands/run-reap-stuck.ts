/**
 * `run.reapStuck`: finds runs that are `RUNNING` but have not moved for a while, and have no
 * live job and no suspended stage — typically a crash between a job's completion and the
 * run's transition — and repairs each with `run.transition`. A stage whose lease is being
 * heartbeated has a live job, so it is never reaped.
 */
import type { KernelDeps } from "../internal/kernel-deps.js";
import { runTransition } from "./run-transition.js";
import type { RunReapStuckCommand, RunReapStuckResult } from "./types.js";

/** Handles `run.reapStuck`. */
export async function runReapStuck(
  command: RunReapStuckCommand,
  deps: KernelDeps,
): Promise<RunReapStuckResult> {
  const now = deps.clock.now();
  const threshold = command.stuckThresholdMs ?? deps.options.stuckRunThresholdMs;
  const candidates = await deps.persistence.listRuns({
    status: "RUNNING",
    updatedBefore: new Date(now.getTime() - threshold),
    limit: command.maxRuns ?? 50,
  });
  const result: RunReapStuckResult = { examined: candidates.length, repaired: [] };
  for (const run of candidates) {
    const [jobs, records] = await Promise.all([
      deps.jobTransport.activeJobsForRun(run.id),
      deps.persistence.listStages(run.id),
    ]);
    if (jobs.length > 0) continue;
    if (records.some((r) => r.groupIndex === run.currentGroup && r.status === "SUSPENDED"))
      continue;
    const transition = await runTransition({ type: "run.transition", workflowRunId: run.id }, deps);
    if (transition.action !== "noop" && transition.action !== "waiting") {
      result.repaired.push({ workflowRunId: run.id, action: transition.action });
    }
  }
  return result;
}
