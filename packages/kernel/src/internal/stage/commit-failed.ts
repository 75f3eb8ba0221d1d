import type { StoredError } from "../../records.js";
import { recordBreakerFailure } from "../breaker/record.js";
import { beginCompensation } from "../compensation/plan.js";
import type { KernelDeps } from "../kernel-deps.js";
import { cancelRemaining, failRunPatch } from "../run/progression.js";
import { commitRun, inTransaction, type UnitOfWork } from "../tx/unit-of-work.js";
import { errorPayload } from "../values/error-payload.js";
import {
  AttemptSuperseded,
  type AttemptTarget,
  type CommitOutcome,
  lockRunFor,
  settleJob,
  writeReports,
} from "./outcome.js";

/** A failed attempt that will be retried: when, after what delay, out of how many attempts. */
export interface RetryDecision {
  at: Date;
  delayMs: number;
  maxAttempts: number;
}

/**
 * Commits a failed attempt: with `retry` the stage goes back to `PENDING` and the job is
 * retried at `retry.at`; without, the stage and the run fail and the run's other stages are
 * cancelled.
 */
export async function commitFailed(
  deps: KernelDeps,
  target: AttemptTarget,
  error: StoredError,
  retry: RetryDecision | undefined,
): Promise<CommitOutcome> {
  const retryAt = retry?.at;
  // The job's settlement fences the failure: when the transport settles in this transaction
  // and the attempt no longer holds the job, the failure is rolled back, so an attempt handed
  // back on shutdown, a copy of an attempt that already failed, or an attempt whose lease was
  // taken over neither uses up an attempt nor schedules a second retry.
  const settleOrRollBack = async (uow: UnitOfWork, how: { error: StoredError; retryAt?: Date }) => {
    if ((await settleJob(deps, uow, target, how)) === false) throw new AttemptSuperseded();
  };
  try {
    return await inTransaction(deps, async (uow) => {
      const locked = await lockRunFor(deps, uow, target);
      if ("outcome" in locked) return locked.outcome;
      const { run } = locked;
      const { record } = target;
      const ok = await uow.tx.updateStage(
        record.id,
        retryAt
          ? {
              status: "PENDING",
              attempt: target.attempt,
              error,
              startedAt: record.startedAt ?? target.startedAt,
            }
          : {
              status: "FAILED",
              attempt: target.attempt,
              error,
              pollLeaseUntil: null,
              startedAt: record.startedAt ?? target.startedAt,
              completedAt: uow.now,
            },
        { expected: { status: target.fromStatuses }, now: uow.now },
      );
      if (!ok) {
        await settleJob(deps, uow, target, "complete");
        return { kind: "duplicate" };
      }
      await writeReports(deps, uow, run, target);
      await recordBreakerFailure(uow, run, target, error);
      const payloadError = errorPayload(error);
      if (retryAt) {
        uow.event(run, "workflow.step.retry", {
          stageId: record.stageId,
          attempt: target.attempt,
          maxAttempts: retry.maxAttempts,
          delayMs: retry.delayMs,
          retryAt: retryAt.toISOString(),
          error: payloadError,
        });
        await settleOrRollBack(uow, { error, retryAt });
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      uow.event(run, "workflow.step.failed", {
        stageId: record.stageId,
        attempt: target.attempt,
        attempts: target.attempt,
        error: payloadError,
      });
      await settleOrRollBack(uow, { error });
      const others = (await uow.tx.listStages(run.id)).filter((r) => r.id !== record.id);
      await cancelRemaining(uow, deps, run.id, others);
      const compensating = await beginCompensation(
        deps,
        uow,
        run,
        target.workflow,
        others,
        "FAILED",
        error,
      );
      if (compensating) return { kind: "committed", run: compensating };
      return { kind: "committed", run: await commitRun(uow, run, failRunPatch(uow, run, error)) };
    });
  } catch (error) {
    if (error instanceof AttemptSuperseded) return { kind: "superseded" };
    throw error;
  }
}
