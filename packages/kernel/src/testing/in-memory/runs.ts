/** Run operations of the in-memory persistence. */
import type { ClaimPendingOptions, ListRunsQuery } from "../../ports/persistence.js";
import type { NewRun, RunPatch, RunRecord } from "../../records.js";
import { cloneJson, copyDate, copyError, copyNullableDate } from "./copy.js";
import { compareIds } from "./select.js";
import { duplicateKeyError, type InMemoryStore } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored run. */
export function copyRun(row: RunRecord): RunRecord {
  return {
    id: row.id,
    workflowId: row.workflowId,
    status: row.status,
    version: row.version,
    priority: row.priority,
    input: cloneJson(row.input),
    config: cloneJson(row.config),
    metadata: cloneJson(row.metadata),
    output: cloneJson(row.output),
    error: copyError(row.error),
    currentGroup: row.currentGroup,
    eventSeq: row.eventSeq,
    idempotencyKey: row.idempotencyKey,
    createdAt: copyDate(row.createdAt),
    updatedAt: copyDate(row.updatedAt),
    startedAt: copyNullableDate(row.startedAt),
    completedAt: copyNullableDate(row.completedAt),
  };
}

/** Inserts a `PENDING` run at version 1. */
export function createRun(store: InMemoryStore, tx: StoreTransaction, run: NewRun): RunRecord {
  if (store.runs.get(run.id) !== undefined) throw duplicateKeyError("run", run.id);
  const row: RunRecord = {
    id: run.id,
    workflowId: run.workflowId,
    status: "PENDING",
    version: 1,
    priority: run.priority,
    input: cloneJson(run.input),
    config: cloneJson(run.config),
    metadata: cloneJson(run.metadata),
    output: null,
    error: null,
    currentGroup: 0,
    eventSeq: run.eventSeq,
    idempotencyKey: run.idempotencyKey,
    createdAt: copyDate(run.createdAt),
    updatedAt: copyDate(run.createdAt),
    startedAt: null,
    completedAt: null,
  };
  store.runs.put(tx, row.id, row);
  return copyRun(row);
}

/** A run by id. */
export function getRun(store: InMemoryStore, id: string): RunRecord | null {
  const row = store.runs.get(id);
  return row === undefined ? null : copyRun(row);
}

/** Applies `patch` unless the run is missing or not at `expectedVersion`. */
export function updateRun(
  store: InMemoryStore,
  tx: StoreTransaction,
  id: string,
  patch: RunPatch,
  options: { expectedVersion?: number; now: Date },
): RunRecord | null {
  const prev = store.runs.get(id);
  if (prev === undefined) return null;
  if (options.expectedVersion !== undefined && prev.version !== options.expectedVersion)
    return null;
  const next: RunRecord = { ...prev, version: prev.version + 1, updatedAt: copyDate(options.now) };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.output !== undefined) next.output = cloneJson(patch.output);
  if (patch.error !== undefined) next.error = copyError(patch.error);
  if (patch.currentGroup !== undefined) next.currentGroup = patch.currentGroup;
  if (patch.eventSeq !== undefined) next.eventSeq = patch.eventSeq;
  if (patch.metadata !== undefined) next.metadata = cloneJson(patch.metadata);
  if (patch.startedAt !== undefined) next.startedAt = copyNullableDate(patch.startedAt);
  if (patch.completedAt !== undefined) next.completedAt = copyNullableDate(patch.completedAt);
  store.runs.put(tx, id, next);
  return copyRun(next);
}

/** Runs matching the query, least recently updated first. */
export function listRuns(store: InMemoryStore, query: ListRunsQuery): RunRecord[] {
  const before = query.updatedBefore?.getTime();
  const rows: RunRecord[] = [];
  for (const row of store.runs.values()) {
    if (query.status !== undefined && row.status !== query.status) continue;
    if (query.workflowId !== undefined && row.workflowId !== query.workflowId) continue;
    if (before !== undefined && row.updatedAt.getTime() >= before) continue;
    rows.push(row);
  }
  rows.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || compareIds(a.id, b.id));
  return rows.slice(0, Math.max(0, query.limit)).map(copyRun);
}

/** Moves up to `limit` `PENDING` runs, highest priority then oldest, to `RUNNING`. */
export function claimPendingRuns(
  store: InMemoryStore,
  tx: StoreTransaction,
  { limit, now }: ClaimPendingOptions,
): RunRecord[] {
  const picked = store.pendingRuns.first(limit);
  return picked.map((prev) => {
    const next: RunRecord = {
      ...prev,
      status: "RUNNING",
      version: prev.version + 1,
      updatedAt: copyDate(now),
      startedAt: prev.startedAt ?? copyDate(now),
    };
    store.runs.put(tx, next.id, next);
    return copyRun(next);
  });
}
