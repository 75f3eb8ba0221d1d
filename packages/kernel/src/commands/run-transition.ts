/**
 * `run.transition`: looks at a running run's current group and does what it needs — start the
 * next group or complete the run when every stage completed, fail the run when a stage failed,
 * re-enqueue a stage whose job was lost. Idempotent: with nothing to do it changes nothing.
 * `run.reapStuck` uses it to recover runs a crash left between two steps.
 */

import { z } from "zod";
import { hasStartHook, START_HOOK_STAGE_ID } from "../dsl/hooks.js";
import { RunNotFoundError } from "../errors.js";
import { beginCompensation, hasCompensations } from "../internal/compensation/plan.js";
import { startHookJob } from "../internal/hooks/start.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { liveJobsOf } from "../internal/run/live-jobs.js";
import {
  advancePastGroup,
  cancelRemaining,
  failRunPatch,
  groupState,
  jobFor,
} from "../internal/run/progression.js";
import { commitRun, inTransaction } from "../internal/tx/unit-of-work.js";
import type { RunStatus } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Re-evaluates a run: advances it past a completed group, fails it, or re-enqueues lost jobs. */
export interface RunTransitionCommand {
  type: "run.transition";
  workflowRunId: string;
}

/** Result of `run.transition`. */
export interface RunTransitionResult {
  workflowRunId: string;
  action: "advanced" | "completed" | "failed" | "requeued" | "waiting" | "noop";
  status: RunStatus;
}

/** Handles `run.transition`. */
export async function runTransition(
  command: RunTransitionCommand,
  deps: KernelDeps,
): Promise<RunTransitionResult> {
  const runId = command.workflowRunId;
  const liveJobs = await liveJobsOf(deps, runId);
  return inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) throw new RunNotFoundError(runId);
    const result = (
      action: RunTransitionResult["action"],
      status = run.status,
    ): RunTransitionResult => ({ workflowRunId: runId, action, status });
    if (run.status !== "RUNNING") return result("noop");
    // Throws DEFINITION_UNAVAILABLE, changing nothing: a scheduled transition is handed out
    // again, to a worker that has the run's definition.
    const workflow = definitionOf(deps, run);
    const records = (await uow.tx.listStages(runId)).filter(
      (r) => r.groupIndex === run.currentGroup,
    );
    const state = groupState(workflow, run.currentGroup, records);
    if (state === "completed") {
      const { patch } = await advancePastGroup(deps, uow, run, workflow, run.currentGroup, records);
      const updated = await commitRun(uow, run, patch);
      return result(
        updated.status === "RUNNING"
          ? "advanced"
          : updated.status === "COMPLETED"
            ? "completed"
            : "failed",
        updated.status,
      );
    }
    if (state === "failed") {
      const failed = records.find((r) => r.status === "FAILED");
      await cancelRemaining(uow, deps, runId, records);
      const error = failed?.error ?? {
        code: "STAGE_FAILED",
        message: "[ratchet] a stage of the run failed",
      };
      // Compensation looks at every group's completed stages, not only the current one's.
      const compensating = hasCompensations(workflow)
        ? await beginCompensation(
            deps,
            uow,
            run,
            workflow,
            await uow.tx.listStages(runId),
            "FAILED",
            error,
          )
        : undefined;
      const updated = compensating ?? (await commitRun(uow, run, failRunPatch(uow, run, error)));
      return result("failed", updated.status);
    }
    // Waiting: re-enqueue stages that have neither a live job nor a suspension, as the jobs
    // stand under the run's lock (a transition that waited for it sees the one before's).
    const liveStages = new Set((await liveJobs(uow)).map((j) => j.stageId));
    // A run waiting for its start hooks (no record of its first group yet): their job, if lost.
    if (records.length === 0 && run.currentGroup === 0 && hasStartHook(workflow.hooks)) {
      const start = (await uow.tx.listStages(runId)).find((r) => r.stageId === START_HOOK_STAGE_ID);
      if (start?.status === "PENDING" || start?.status === "RUNNING") {
        if (liveStages.has(START_HOOK_STAGE_ID)) return result("waiting");
        await uow.enqueue([startHookJob(deps, run, workflow, uow.now)]);
        await commitRun(uow, run, {});
        return result("requeued");
      }
    }
    const expected = workflow.groups[run.currentGroup] ?? [];
    const lost = expected.filter((stage) => {
      const record = records.find((r) => r.stageId === stage.id);
      return (
        !liveStages.has(stage.id) &&
        (!record || record.status === "PENDING" || record.status === "RUNNING")
      );
    });
    // The counter of stages still to complete, recounted from the records (repairs a run
    // whose counter a crash or an upgrade left wrong).
    const remaining = expected.filter(
      (stage) => !records.some((r) => r.stageId === stage.id && r.status === "COMPLETED"),
    ).length;
    const counter = remaining === run.groupRemaining ? {} : { groupRemaining: remaining };
    if (lost.length === 0) {
      if (remaining !== run.groupRemaining) await commitRun(uow, run, counter);
      return result("waiting");
    }
    const missingRecords = lost.filter((stage) => !records.some((r) => r.stageId === stage.id));
    if (missingRecords.length > 0) {
      await uow.tx.createStages(
        missingRecords.map((stage) => ({
          id: deps.newId(),
          runId,
          stageId: stage.id,
          groupIndex: run.currentGroup,
          createdAt: uow.now,
        })),
      );
    }
    await uow.enqueue(lost.map((stage) => jobFor(deps, run, workflow, stage.id, uow.now)));
    await commitRun(uow, run, counter);
    return result("requeued");
  });
}

/** `run.transition`: its schema, fast check and handler. */
export const runTransitionModule = defineCommand<RunTransitionCommand, RunTransitionResult>({
  type: "run.transition",
  schema: z.object({ type: z.literal("run.transition"), workflowRunId: id }),
  isWellFormed: (c) => isId(c.workflowRunId),
  handle: runTransition,
});
