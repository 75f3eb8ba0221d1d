/**
 * `run.rerunFrom`: runs a finished run (completed, failed, cancelled or timed out) again from
 * one stage on. Stage records from that stage's group on are replaced; earlier stages keep
 * their outputs and are not run again. In a workflow with jumps (choices, loops, `next`), the
 * stage must have been reached in the run; it gets the input it got then — the output of the
 * group the run entered it from — and loop counters start again.
 */

import { z } from "zod";
import type { AnyWorkflow } from "../dsl/workflow.js";
import { IllegalStateTransitionError, RunNotFoundError, StageNotFoundError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { enteringControl, writeControl } from "../internal/run/flow-control.js";
import { startGroup } from "../internal/run/progression.js";
import { commitRun, inTransaction, type UnitOfWork } from "../internal/tx/unit-of-work.js";
import { isTerminalRunStatus, type RunRecord, type StageRecord } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Runs a finished run again from one stage on, keeping earlier stages' outputs. */
export interface RunRerunFromCommand {
  type: "run.rerunFrom";
  workflowRunId: string;
  fromStageId: string;
}

/** Result of `run.rerunFrom`. */
export interface RunRerunFromResult {
  workflowRunId: string;
  fromStageId: string;
  groupIndex: number;
  jobIds: string[];
}

/** Handles `run.rerunFrom`. */
export async function runRerunFrom(
  command: RunRerunFromCommand,
  deps: KernelDeps,
): Promise<RunRerunFromResult> {
  const runId = command.workflowRunId;
  const staleBlobs: string[] = [];
  const result = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) throw new RunNotFoundError(runId);
    const records = await uow.tx.listStages(runId);
    return rerunLocked(deps, uow, run, records, command.fromStageId, staleBlobs);
  });
  await deleteStaleBlobs(deps, staleBlobs);
  return result;
}

/** Deletes the outputs of the stage records a rerun replaced (best effort, after the commit). */
export async function deleteStaleBlobs(deps: KernelDeps, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => deps.blobStore.delete(key).catch(() => undefined)));
}

/**
 * Reruns `run` (locked in `uow`, with its stage `records`) from `fromStageId`, in the caller's
 * transaction; the blob keys of replaced outputs are pushed to `staleBlobs`, for
 * {@link deleteStaleBlobs} after the commit. Shared by `run.rerunFrom` and `run.retry`.
 */
export async function rerunLocked(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  records: readonly StageRecord[],
  fromStageId: string,
  staleBlobs: string[],
): Promise<RunRerunFromResult> {
  const runId = run.id;
  const workflow = definitionOf(deps, run, fromStageId);
  const entry = workflow.getStage(fromStageId);
  if (!entry)
    throw new StageNotFoundError(fromStageId, {
      workflowRunId: runId,
      workflowId: run.workflowId,
    });
  // A compensated run's completed stages were undone: there is nothing to continue from.
  if (
    !isTerminalRunStatus(run.status) ||
    run.status === "COMPENSATED" ||
    run.status === "COMPENSATION_FAILED"
  ) {
    throw new IllegalStateTransitionError(run.status, "RUNNING (rerun)", {
      workflowRunId: runId,
      stageId: fromStageId,
    });
  }
  const from = workflow.branching ? enteredFrom(workflow, records, entry.groupIndex) : null;
  const earlierIncomplete = workflow.branching
    ? from === undefined
    : records.some((r) => r.groupIndex < entry.groupIndex && r.status !== "COMPLETED") ||
      workflow.groups
        .slice(0, entry.groupIndex)
        .some((group) =>
          group.some(
            (stage) => !records.some((r) => r.stageId === stage.id && r.status === "COMPLETED"),
          ),
        );
  if (earlierIncomplete) {
    throw new IllegalStateTransitionError(
      workflow.branching ? "stage not reached in this run" : "stages before it incomplete",
      `rerun from "${fromStageId}"`,
      {
        workflowRunId: runId,
        stageId: fromStageId,
      },
    );
  }
  for (const record of records) {
    if (record.groupIndex >= entry.groupIndex && record.outputRef?.kind === "blob")
      staleBlobs.push(record.outputRef.key);
  }
  await uow.tx.deleteStagesFrom(runId, entry.groupIndex);
  const started = await startGroup(deps, uow, run, workflow, entry.groupIndex);
  const jobIds = started.jobs.map((job) => job.jobId);
  uow.event(run, "workflow.started", { rerunFrom: fromStageId });
  const control =
    from === null || from === undefined
      ? {}
      : writeControl(enteringControl({}, from, entry.groupIndex));
  await commitRun(uow, run, {
    status: "RUNNING",
    ...(workflow.branching ? { control } : {}),
    currentGroup: entry.groupIndex,
    groupRemaining: started.stages.length,
    output: null,
    error: null,
    completedAt: null,
    waiting: false,
  });
  const telemetry = deps.telemetry;
  if (telemetry) uow.afterCommit(() => telemetry.runsStarted([run]));
  return {
    workflowRunId: runId,
    fromStageId,
    groupIndex: entry.groupIndex,
    jobIds,
  };
}

/**
 * For a branching workflow: the group the run last entered `groupIndex` from (-1: the run's
 * start), or `undefined` when the group was never reached. The candidates are the groups that
 * can lead there (by their `next` or a route of one of their steps) and completed before the
 * group was entered; the one that completed last wins (the later group on a tie).
 */
function enteredFrom(
  workflow: AnyWorkflow,
  records: readonly StageRecord[],
  groupIndex: number,
): number | undefined {
  // A SKIPPED record says the group was not entered (a choice went elsewhere).
  const mine = records.filter((r) => r.groupIndex === groupIndex && r.status !== "SKIPPED");
  if (mine.length === 0) return undefined;
  const entered = Math.min(...mine.map((r) => r.createdAt.getTime()));
  const leadsHere = (g: number) =>
    workflow.flow[g] === groupIndex ||
    (workflow.groups[g] ?? []).some((stage) =>
      (stage.flow?.routes ?? []).some((id) => workflow.getStage(id)?.groupIndex === groupIndex),
    );
  let from = groupIndex === 0 ? -1 : undefined;
  let latest = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.status !== "COMPLETED" || r.groupIndex === groupIndex) continue;
    if (r.createdAt.getTime() > entered || !leadsHere(r.groupIndex)) continue;
    const done = r.completedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (done > latest || (done === latest && from !== undefined && r.groupIndex > from)) {
      latest = done;
      from = r.groupIndex;
    }
  }
  return from;
}

/** `run.rerunFrom`: its schema, fast check and handler. */
export const runRerunFromModule = defineCommand<RunRerunFromCommand, RunRerunFromResult>({
  type: "run.rerunFrom",
  schema: z.object({
    type: z.literal("run.rerunFrom"),
    workflowRunId: id,
    fromStageId: id,
  }),
  isWellFormed: (c) => isId(c.workflowRunId) && isId(c.fromStageId),
  handle: runRerunFrom,
});
