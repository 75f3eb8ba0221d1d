/**
 * What `run.create` does for a workflow's `singleton` ("skip") and `debounce`: looks up the
 * key's active (or still scheduled) run under the key's lock and, when there is one, returns it
 * instead of creating a run — a debounce first hands it the new input and pushes its start.
 */
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { RUN_START_COMMAND, startCorrelationId } from "../internal/run/correlation.js";
import { commitRun, type UnitOfWork } from "../internal/tx/unit-of-work.js";
import type { JsonValue, RunRecord, RunStatus } from "../records.js";

/** The statuses of an active run (a singleton's key is busy while it has one). */
const ACTIVE: readonly RunStatus[] = ["PENDING", "SCHEDULED", "RUNNING"];

/**
 * The run of `concurrencyKey` in one of `statuses`, under the key's lock
 * (`FlowLimitStore.activeRunOfKey`); throws `SINGLETON_NOT_SUPPORTED` on a store without it.
 */
export async function runOfKey(
  uow: UnitOfWork,
  concurrencyKey: string,
  workflowId: string,
  statuses: readonly RunStatus[] = ACTIVE,
): Promise<RunRecord | null> {
  if (!uow.tx.activeRunOfKey)
    throw new RatchetError(
      "SINGLETON_NOT_SUPPORTED",
      `[ratchet] workflow "${workflowId}" is a singleton or debounced, and this store cannot look up a key's active run (Persistence.activeRunOfKey)`,
      { workflowId, field: "singleton" },
    );
  return uow.tx.activeRunOfKey(concurrencyKey, statuses);
}

/** A debounced create, folded into the key's scheduled run. */
export interface Debounced {
  run: RunRecord;
  startAt: Date;
}

/**
 * Debounces a `run.create`: when the key has a `SCHEDULED` run (one created within the window,
 * not started yet), it takes the new input (the last create wins; its config and metadata stay
 * the first create's), its start moves to `startAt`, and a `workflow.debounced` event records it; `null` when the key
 * has none (the caller creates the run, to start at `startAt`).
 */
export async function debounceInto(
  uow: UnitOfWork,
  deps: KernelDeps,
  concurrencyKey: string,
  workflowId: string,
  values: { input: JsonValue; startAt: Date },
): Promise<Debounced | null> {
  const found = await runOfKey(uow, concurrencyKey, workflowId, ["SCHEDULED"]);
  if (!found) return null;
  const run = await uow.tx.getRun(found.id, { forUpdate: true });
  if (run?.status !== "SCHEDULED") return null;
  const { input, startAt } = values;
  uow.event(run, "workflow.debounced", { startAt: startAt.toISOString() });
  const updated = await commitRun(uow, run, { input });
  await uow.schedule((scope) =>
    deps.scheduler.schedule(
      {
        type: RUN_START_COMMAND,
        correlationId: startCorrelationId(run.id),
        payload: { workflowRunId: run.id },
        runAt: startAt,
      },
      scope,
    ),
  );
  return { run: updated, startAt };
}
