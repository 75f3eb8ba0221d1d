/**
 * The stage record of an attempt that runs no stage of the workflow's graph — a compensation
 * (`compensate:<id>`) or a hook (`hook:<name>`) — settled as a stage attempt's is: by
 * compare-and-set from the statuses the attempt started from, so a duplicate delivery or a late
 * attempt changes nothing.
 */
import type { StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import type { UnitOfWork } from "../tx/unit-of-work.js";
import type { RetryDecision } from "./commit-failed.js";
import { type AttemptTarget, settleJob } from "./outcome.js";

/** How an auxiliary attempt ended, as far as its record is concerned. */
export type AuxiliaryOutcome =
  | { kind: "succeeded" }
  | { kind: "failed"; error: StoredError; retry: RetryDecision | undefined };

/**
 * Moves the attempt's record to `COMPLETED`, back to `PENDING` (a failure with a retry) or to
 * `FAILED`; `false` — with the attempt's job completed, so it is not delivered again — when the
 * record was no longer in a status the attempt started from (a duplicate: nothing to commit).
 */
export async function settleAuxiliaryRecord(
  deps: KernelDeps,
  uow: UnitOfWork,
  target: AttemptTarget,
  outcome: AuxiliaryOutcome,
): Promise<boolean> {
  const { record } = target;
  const startedAt = record.startedAt ?? target.startedAt;
  const base = { attempt: target.attempt, startedAt };
  const ok = await uow.tx.updateStage(
    record.id,
    outcome.kind === "succeeded"
      ? { ...base, status: "COMPLETED", completedAt: uow.now }
      : outcome.retry
        ? { ...base, status: "PENDING", error: outcome.error }
        : { ...base, status: "FAILED", error: outcome.error, completedAt: uow.now },
    { expected: { status: target.fromStatuses }, now: uow.now },
  );
  if (!ok) await settleJob(deps, uow, target, "complete");
  return ok;
}
