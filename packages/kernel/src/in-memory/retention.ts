/**
 * Retention operations of the in-memory persistence: deleting finished runs with the rows they
 * own, and old idempotency keys. Runs are found by scanning (the store keeps no index by end
 * time): fine for the tests and simulations the in-memory store serves.
 */
import type { PurgeRunsQuery, PurgeRunsResult } from "../ports/persistence/index.js";
import { isTerminalRunStatus, type RunRecord } from "../records.js";
import { compareIds, pickRows, rowsOf } from "./select.js";
import { type InMemoryStore, idempotencyKey } from "./store.js";
import type { StoreTransaction } from "./table.js";

function byEnd(a: RunRecord, b: RunRecord): number {
  return (
    (a.completedAt as Date).getTime() - (b.completedAt as Date).getTime() || compareIds(a.id, b.id)
  );
}

/** Deletes (or, dry, lists) the runs `query` selects with everything they own. */
export function purgeRuns(
  store: InMemoryStore,
  tx: StoreTransaction,
  query: PurgeRunsQuery,
): PurgeRunsResult {
  const workflows = query.workflowIds ? new Set(query.workflowIds) : undefined;
  const before = query.endedBefore.getTime();
  const accept = (run: RunRecord) =>
    isTerminalRunStatus(run.status) &&
    query.statuses.includes(run.status) &&
    run.completedAt !== null &&
    run.completedAt.getTime() < before &&
    (workflows === undefined || workflows.has(run.workflowId)) &&
    // Events not yet delivered keep their run until they are.
    store.unpublishedOutboxByRun.keysOf(run.id).size === 0;
  const runs = pickRows({
    keys: store.runs.keys(),
    get: (id) => store.runs.get(id),
    accept,
    limit: query.limit,
    compare: byEnd,
  });
  const runIds = runs.map((run) => run.id);
  const stagesOf = (runId: string) =>
    rowsOf(store.stagesByRun.keysOf(runId), (id) => store.stages.get(id));
  const blobKeys = runIds.flatMap((runId) =>
    stagesOf(runId).flatMap((stage) =>
      stage.outputRef?.kind === "blob" ? [stage.outputRef.key] : [],
    ),
  );
  if (query.dryRun) {
    let matched = 0;
    for (const run of store.runs.values()) if (accept(run)) matched++;
    return { runIds, blobKeys, matched };
  }
  for (const run of runs) deleteRun(store, tx, run);
  return { runIds, blobKeys };
}

function deleteRun(store: InMemoryStore, tx: StoreTransaction, run: RunRecord): void {
  const stageIds = new Set(store.stagesByRun.keysOf(run.id));
  for (const id of [...stageIds]) store.stages.delete(tx, id);
  for (const id of [...store.logsByRun.keysOf(run.id)]) store.logs.delete(tx, id);
  for (const id of [...store.outboxByRun.keysOf(run.id)]) store.outbox.delete(tx, id);
  for (const id of [...store.signalWaitsByRun.keysOf(run.id)]) store.signalWaits.delete(tx, id);
  const signals = [...store.signals.values()].filter(
    (s) => s.runId === run.id || (s.consumedBy !== null && stageIds.has(s.consumedBy)),
  );
  for (const signal of signals) store.signals.delete(tx, signal.id);
  if (run.idempotencyKey !== null)
    store.idempotencyKeys.delete(tx, idempotencyKey(run.idempotencyKey, "run.create"));
  store.runs.delete(tx, run.id);
}

/** Deletes (or counts, dry) up to `limit` idempotency keys created before `createdBefore`. */
export function purgeIdempotencyKeys(
  store: InMemoryStore,
  tx: StoreTransaction,
  query: { createdBefore: Date; limit: number; dryRun?: boolean },
): number {
  const before = query.createdBefore.getTime();
  const old = [...store.idempotencyKeys.keys()]
    .map((id) => ({ id, row: store.idempotencyKeys.get(id) }))
    .filter(({ row }) => row?.createdAt != null && row.createdAt.getTime() < before)
    .sort((a, b) => (a.row?.createdAt?.getTime() ?? 0) - (b.row?.createdAt?.getTime() ?? 0))
    .slice(0, query.limit);
  if (!query.dryRun) for (const { id } of old) store.idempotencyKeys.delete(tx, id);
  return old.length;
}
