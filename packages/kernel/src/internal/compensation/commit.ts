/**
 * Committing a compensation attempt's result, in one transaction like a stage's: a
 * compare-and-set on its stage record (a duplicate delivery or a late attempt changes nothing),
 * the job's settlement (a failure commits only while the attempt still holds its job), its
 * `workflow.compensation.step.*` event, and the run's next step — the next compensation's job,
 * or the run's end (`COMPENSATED`, or `COMPENSATION_FAILED` when one used up its attempts).
 */
import { compensatedStageId } from "../../dsl/compensation.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { RunRecord, RunStatus, StageRecord, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { settleAuxiliaryRecord } from "../stage/auxiliary-attempt.js";
import type { RetryDecision } from "../stage/commit-failed.js";
import {
  AttemptSuperseded,
  type AttemptTarget,
  type CommitOutcome,
  settleJob,
} from "../stage/outcome.js";
import { commitRun, inTransaction, type UnitOfWork } from "../tx/unit-of-work.js";
import { errorPayload } from "../values/error-payload.js";
import { planOf, startCompensationOf } from "./plan.js";

/** How a compensation attempt ended. */
export type CompensationResult =
  | { kind: "completed" }
  | { kind: "failed"; error: StoredError; retry: RetryDecision | undefined };

/** Ends a compensating run with `status`; its end event is the cause's, naming the outcome. */
async function endCompensation(
  uow: UnitOfWork,
  run: RunRecord,
  status: Extract<RunStatus, "COMPENSATED" | "COMPENSATION_FAILED">,
  failure?: StoredError,
): Promise<RunRecord> {
  const error = run.error ?? { code: "FAILED", message: "failed" };
  const extra = failure ? { compensationError: errorPayload(failure) } : {};
  if (planOf(run)?.cause === "CANCELLED")
    uow.event(run, "workflow.cancelled", { reason: error.message, status, ...extra });
  else uow.event(run, "workflow.failed", { error: { ...error }, status, ...extra });
  return commitRun(uow, run, { status, completedAt: uow.now });
}

/** Commits `result` for the compensation attempt `target` (its record is `compensate:<id>`). */
export async function commitCompensation(
  deps: KernelDeps,
  workflow: AnyWorkflow,
  target: AttemptTarget,
  result: CompensationResult,
): Promise<CommitOutcome> {
  const { record } = target;
  const stageId = compensatedStageId(record.stageId) ?? record.stageId;
  try {
    return await inTransaction(deps, async (uow) => {
      const run = await uow.tx.getRun(record.runId, { forUpdate: true });
      if (run?.status !== "COMPENSATING") {
        await settleJob(deps, uow, target, "complete");
        return { kind: "stale", status: run?.status ?? null };
      }
      const retryAt = result.kind === "failed" ? result.retry?.at : undefined;
      const settled = await settleAuxiliaryRecord(
        deps,
        uow,
        target,
        result.kind === "completed" ? { kind: "succeeded" } : result,
      );
      if (!settled) return { kind: "duplicate" };
      if (result.kind === "completed") {
        await settleJob(deps, uow, target, "complete");
        uow.event(run, "workflow.compensation.step.completed", {
          stageId,
          attempt: target.attempt,
        });
        const order = planOf(run)?.order ?? [];
        const next = order[order.indexOf(stageId) + 1];
        if (next === undefined)
          return { kind: "committed", run: await endCompensation(uow, run, "COMPENSATED") };
        await startCompensationOf(deps, uow, run, workflow, next);
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      // A failure commits only while the attempt holds its job (as a stage's does).
      const how = retryAt ? { error: result.error, retryAt } : { error: result.error };
      if ((await settleJob(deps, uow, target, how)) === false) throw new AttemptSuperseded();
      const error = errorPayload(result.error);
      if (retryAt && result.retry) {
        uow.event(run, "workflow.compensation.step.retry", {
          stageId,
          attempt: target.attempt,
          maxAttempts: result.retry.maxAttempts,
          delayMs: result.retry.delayMs,
          retryAt: retryAt.toISOString(),
          error,
        });
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      uow.event(run, "workflow.compensation.step.failed", {
        stageId,
        attempt: target.attempt,
        error,
      });
      return {
        kind: "committed",
        run: await endCompensation(uow, run, "COMPENSATION_FAILED", result.error),
      };
    });
  } catch (error) {
    if (error instanceof AttemptSuperseded) return { kind: "superseded" };
    throw error;
  }
}

/**
 * In the caller's transaction (`lease.reapStale`): a compensation whose job lost its worker on
 * each of its attempts fails (`MAX_ATTEMPTS_EXCEEDED`), and its run, locked by the caller and
 * `COMPENSATING`, ends `COMPENSATION_FAILED`. Returns whether anything was written.
 */
export async function failExhaustedCompensation(
  uow: UnitOfWork,
  run: RunRecord,
  record: StageRecord,
  attempt: number,
  maxAttempts: number,
): Promise<boolean> {
  const stageId = compensatedStageId(record.stageId) ?? record.stageId;
  const error: StoredError = {
    code: "MAX_ATTEMPTS_EXCEEDED",
    message: `[ratchet] compensation of stage "${stageId}" lost its worker on each of its ${maxAttempts} attempt(s) (lease expired)`,
    stageId,
  };
  const ok = await uow.tx.updateStage(
    record.id,
    { status: "FAILED", attempt, error, completedAt: uow.now },
    { expected: { status: ["PENDING", "RUNNING"] }, now: uow.now },
  );
  if (!ok) return false;
  uow.event(run, "workflow.compensation.step.failed", {
    stageId,
    attempt,
    error: errorPayload(error),
  });
  await endCompensation(uow, run, "COMPENSATION_FAILED", error);
  return true;
}
