/**
 * Ending a run before its stages are done, as `run.cancel` and `run.timeout` do: its unfinished
 * stages and jobs are cancelled, its timers (every scheduler entry under the run's correlation
 * prefix) dropped, the event written and the run given its final status — all in the caller's
 * transaction.
 */
import type { JsonObject, RunRecord, RunStatus, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, type UnitOfWork } from "../tx/unit-of-work.js";
import { runCorrelationPrefix } from "./correlation.js";
import { cancelRemaining } from "./progression.js";

/** How the run ends. */
export interface RunEnding {
  status: RunStatus;
  error: StoredError;
  event: { type: string; payload: JsonObject };
}

/** Ends `run` (locked by the caller's transaction) as `ending` says; returns the updated run. */
export async function endRunEarly(
  uow: UnitOfWork,
  deps: KernelDeps,
  run: RunRecord,
  ending: RunEnding,
): Promise<RunRecord> {
  await cancelRemaining(uow, deps, run.id, await uow.tx.listStages(run.id));
  await uow.schedule((scope) =>
    deps.scheduler.cancelByCorrelationPrefix(runCorrelationPrefix(run.id), scope),
  );
  uow.event(run, ending.event.type, ending.event.payload);
  return commitRun(uow, run, {
    status: ending.status,
    error: ending.error,
    completedAt: uow.now,
  });
}
