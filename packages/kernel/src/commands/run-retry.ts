/**
 * `run.retry`: runs a failed (or timed-out) run again from the stage that failed — the stage
 * its error names, else its earliest failed stage, else its earliest unfinished one — as
 * `run.rerunFrom` would, in one transaction with the check that the run did fail. Any other
 * run is refused with `RUN_NOT_FAILED`.
 */

import { z } from "zod";
import { RatchetError, RunNotFoundError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import type { RunRecord, RunStatus, StageRecord } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";
import { deleteStaleBlobs, type RunRerunFromResult, rerunLocked } from "./run-rerun-from.js";

/** Runs a failed or timed-out run again from the stage that failed. */
export interface RunRetryCommand {
  type: "run.retry";
  workflowRunId: string;
}

/** Result of `run.retry`: where the run starts again, and how it had ended. */
export interface RunRetryResult extends RunRerunFromResult {
  /** `FAILED` or `TIMED_OUT`. */
  previousStatus: RunStatus;
}

/** The run statuses `run.retry` accepts. */
const RETRYABLE: readonly RunStatus[] = ["FAILED", "TIMED_OUT"];

/**
 * The stage a retry starts from: the one the run's error names (when the definition has it and
 * the run reached it), else the earliest failed stage, else the earliest one that did not
 * complete (a timed-out run's cancelled stage); `undefined` when there is none.
 */
export function retryStageOf(
  run: Pick<RunRecord, "error">,
  records: readonly StageRecord[],
  hasStage: (stageId: string) => boolean,
): string | undefined {
  const named = run.error?.stageId;
  if (named && hasStage(named) && records.some((r) => r.stageId === named)) return named;
  const earliest = (keep: (r: StageRecord) => boolean) =>
    records
      .filter((r) => keep(r) && hasStage(r.stageId))
      .sort((a, b) => a.groupIndex - b.groupIndex)[0]?.stageId;
  return earliest((r) => r.status === "FAILED") ?? earliest((r) => r.status !== "COMPLETED");
}

/** Handles `run.retry`. */
export async function runRetry(
  command: RunRetryCommand,
  deps: KernelDeps,
): Promise<RunRetryResult> {
  const runId = command.workflowRunId;
  const staleBlobs: string[] = [];
  const result = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) throw new RunNotFoundError(runId);
    if (!RETRYABLE.includes(run.status)) {
      throw new RatchetError(
        "RUN_NOT_FAILED",
        `[ratchet] run ${runId} is ${run.status}: only a FAILED or TIMED_OUT run can be retried (rerun a finished run from a stage with run.rerunFrom)`,
        { workflowRunId: runId, workflowId: run.workflowId },
      );
    }
    const workflow = definitionOf(deps, run);
    const records = await uow.tx.listStages(runId);
    const stageId = retryStageOf(run, records, (s) => workflow.getStage(s) !== undefined);
    if (stageId === undefined) {
      throw new RatchetError(
        "RUN_NOT_FAILED",
        `[ratchet] run ${runId} is ${run.status} but no stage of it failed or was left unfinished: rerun it from a stage with run.rerunFrom`,
        { workflowRunId: runId, workflowId: run.workflowId },
      );
    }
    const rerun = await rerunLocked(deps, uow, run, records, stageId, staleBlobs);
    return { ...rerun, previousStatus: run.status };
  });
  await deleteStaleBlobs(deps, staleBlobs);
  return result;
}

/** `run.retry`: its schema, fast check and handler. */
export const runRetryModule = defineCommand<RunRetryCommand, RunRetryResult>({
  type: "run.retry",
  schema: z.object({ type: z.literal("run.retry"), workflowRunId: id }),
  isWellFormed: (c) => isId(c.workflowRunId),
  handle: runRetry,
});
