/**
 * `run.rerunFrom`: runs a finished run (completed, failed or cancelled) again from one stage
 * on. Stage records from that stage's group on are replaced; earlier stages keep their outputs
 * and are not run again.
 */
import {
  IllegalStateTransitionError,
  RunNotFoundError,
  StageNotFoundError,
  WorkflowNotFoundError,
} from "../errors.js";
import type { KernelDeps } from "../internal/deps.js";
import { startGroup } from "../internal/progression.js";
import { commitRun, inTransaction } from "../internal/unit-of-work.js";
import { isTerminalRunStatus } from "../records.js";
import type { RunRerunFromCommand, RunRerunFromResult } from "./types.js";

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
    const workflow = deps.registry.getWorkflow(run.workflowId);
    if (!workflow) throw new WorkflowNotFoundError(run.workflowId);
    const entry = workflow.getStage(command.fromStageId);
    if (!entry)
      throw new StageNotFoundError(command.fromStageId, {
        workflowRunId: runId,
        workflowId: run.workflowId,
      });
    if (!isTerminalRunStatus(run.status)) {
      throw new IllegalStateTransitionError(run.status, "RUNNING (rerun)", {
        workflowRunId: runId,
        stageId: command.fromStageId,
      });
    }
    const records = await uow.tx.listStages(runId);
    const earlierIncomplete = records.some(
      (r) => r.groupIndex < entry.groupIndex && r.status !== "COMPLETED",
    );
    const earlierMissing = workflow.groups
      .slice(0, entry.groupIndex)
      .some((group) =>
        group.some(
          (stage) => !records.some((r) => r.stageId === stage.id && r.status === "COMPLETED"),
        ),
      );
    if (earlierIncomplete || earlierMissing) {
      throw new IllegalStateTransitionError(
        "stages before it incomplete",
        `rerun from "${command.fromStageId}"`,
        {
          workflowRunId: runId,
          stageId: command.fromStageId,
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
    uow.event(run, "workflow.started", { rerunFrom: command.fromStageId });
    await commitRun(uow, run, {
      status: "RUNNING",
      currentGroup: entry.groupIndex,
      groupRemaining: started.stages.length,
      output: null,
      error: null,
      completedAt: null,
    });
    return {
      workflowRunId: runId,
      fromStageId: command.fromStageId,
      groupIndex: entry.groupIndex,
      jobIds,
    };
  });
  await Promise.all(staleBlobs.map((key) => deps.blobStore.delete(key).catch(() => undefined)));
  return result;
}
