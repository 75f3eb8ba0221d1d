/**
 * The two ends of every suspension's transaction — a poll's, a sleep's, a wait's: marking the
 * stage `SUSPENDED` (a compare-and-set on the attempt, so a second delivery commits nothing),
 * and committing the run as waiting with the attempt's metadata once the job is settled.
 */
import type { JsonObject, JsonValue, RunRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, type UnitOfWork } from "../tx/unit-of-work.js";
import { appendEmitted } from "./emit.js";
import { type AttemptTarget, type CommitOutcome, settleJob, writeReports } from "./outcome.js";

/** What a suspension writes on the stage besides its status, attempt and start. */
export interface SuspensionFields {
  suspendedState: JsonValue;
  pollConfig: JsonObject;
  nextPollAt: Date | null;
  progress?: JsonObject;
}

/**
 * Marks `target`'s stage `SUSPENDED` with `fields` and writes the attempt's logs and progress;
 * `false` — the job settled, nothing else written — when the stage is no longer at the
 * attempt's statuses (another delivery settled it).
 */
export async function markSuspended(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  target: AttemptTarget,
  fields: SuspensionFields,
): Promise<boolean> {
  const { record } = target;
  const ok = await uow.tx.updateStage(
    record.id,
    {
      status: "SUSPENDED",
      attempt: target.attempt,
      ...fields,
      pollLeaseUntil: null,
      startedAt: record.startedAt ?? target.startedAt,
    },
    { expected: { status: target.fromStatuses }, now: uow.now },
  );
  if (!ok) {
    await settleJob(deps, uow, target, "complete");
    return false;
  }
  await writeReports(deps, uow, run, target);
  // A suspension commits the attempt's work so far: its custom events are published with it.
  appendEmitted(deps, uow, run, record.stageId, target.attempt, target.reports.events);
  return true;
}

/**
 * Ends a suspension's transaction: settles the attempt's job as suspended and commits the run
 * — `waiting` (see `RunRecord.waiting`), with the metadata the attempt set.
 */
export async function commitSuspension(
  deps: KernelDeps,
  uow: UnitOfWork,
  run: RunRecord,
  target: AttemptTarget,
): Promise<CommitOutcome> {
  await settleJob(deps, uow, target, "suspend");
  const metadata = target.reports.metadata;
  return {
    kind: "committed",
    run: await commitRun(
      uow,
      run,
      metadata ? { metadata: { ...run.metadata, ...metadata }, waiting: true } : { waiting: true },
    ),
  };
}
