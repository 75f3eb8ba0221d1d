/** Run operations of the in-memory persistence. */

import { routeKey } from "../dsl/versioning.js";
import {
  afterStarts,
  type StartRate,
  type StartRateState,
  startRoom,
} from "../ports/persistence/flow-limits.js";
import type { ClaimPendingOptions, ListRunsQuery } from "../ports/persistence/index.js";
import type { JsonValue, NewRun, RunPatch, RunRecord, RunStatus } from "../records.js";
import { cloneJson, copyDate, copyError, copyNullableDate, patchFields } from "./copy.js";
import { compareIds } from "./select.js";
import { duplicateKeyError, type InMemoryStore } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored run. */
export function copyRun(row: RunRecord): RunRecord {
  return {
    id: row.id,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    fingerprint: row.fingerprint,
    status: row.status,
    version: row.version,
    priority: row.priority,
    input: cloneJson(row.input),
    config: cloneJson(row.config),
    metadata: cloneJson(row.metadata),
    control: cloneJson(row.control),
    concurrencyKey: row.concurrencyKey,
    output: cloneJson(row.output),
    error: copyError(row.error),
    currentGroup: row.currentGroup,
    groupRemaining: row.groupRemaining,
    eventSeq: row.eventSeq,
    idempotencyKey: row.idempotencyKey,
    parentRunId: row.parentRunId,
    waiting: row.waiting,
    createdAt: copyDate(row.createdAt),
    updatedAt: copyDate(row.updatedAt),
    startedAt: copyNullableDate(row.startedAt),
    completedAt: copyNullableDate(row.completedAt),
  };
}

/** The fields of a {@link RunPatch}. */
const RUN_PATCH_FIELDS: readonly (keyof RunPatch)[] = [
  "workflowVersion",
  "fingerprint",
  "input",
  "status",
  "output",
  "error",
  "currentGroup",
  "groupRemaining",
  "eventSeq",
  "metadata",
  "control",
  "startedAt",
  "completedAt",
  "waiting",
];

/** Inserts a `PENDING` (or `SCHEDULED`) run at version 1. */
export function createRun(store: InMemoryStore, tx: StoreTransaction, run: NewRun): RunRecord {
  if (store.runs.get(run.id) !== undefined) throw duplicateKeyError("run", run.id);
  const row: RunRecord = {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    status: run.status ?? "PENDING",
    version: 1,
    priority: run.priority,
    input: cloneJson(run.input),
    config: cloneJson(run.config),
    metadata: cloneJson(run.metadata),
    control: cloneJson(run.control ?? {}),
    concurrencyKey: run.concurrencyKey ?? null,
    output: null,
    error: null,
    currentGroup: 0,
    groupRemaining: 0,
    eventSeq: run.eventSeq,
    idempotencyKey: run.idempotencyKey,
    parentRunId: run.parentRunId ?? null,
    waiting: false,
    createdAt: tx.date(run.createdAt),
    updatedAt: tx.date(run.createdAt),
    startedAt: null,
    completedAt: null,
  };
  store.runs.replace(tx, row.id, undefined, row);
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
  let {
    workflowVersion,
    fingerprint,
    input,
    status,
    metadata,
    control,
    output,
    error,
    currentGroup,
    groupRemaining,
    eventSeq,
    startedAt,
    completedAt,
    waiting,
  } = prev;
  // The keys present, not a named read of every field (see patchFields).
  const fields = patchFields(patch, RUN_PATCH_FIELDS);
  const keys = Object.keys(fields);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = fields[key];
    if (value === undefined) continue;
    switch (key) {
      case "workflowVersion":
        workflowVersion = value as string;
        break;
      case "fingerprint":
        fingerprint = value as string;
        break;
      case "input":
        input = cloneJson(value as JsonValue);
        break;
      case "status":
        status = value as RunRecord["status"];
        break;
      case "metadata":
        metadata = cloneJson(value as RunRecord["metadata"]);
        break;
      case "control":
        control = cloneJson(value as RunRecord["control"]);
        break;
      case "output":
        output = cloneJson(value as JsonValue);
        break;
      case "error":
        error = copyError(value as RunRecord["error"]);
        break;
      case "currentGroup":
        currentGroup = value as number;
        break;
      case "groupRemaining":
        groupRemaining = value as number;
        break;
      case "eventSeq":
        eventSeq = value as number;
        break;
      case "startedAt":
        startedAt = tx.nullableDate(value as Date | null);
        break;
      case "completedAt":
        completedAt = tx.nullableDate(value as Date | null);
        break;
      case "waiting":
        waiting = value as boolean;
        break;
    }
  }
  // One literal rather than a spread and assignments: rows keep one hidden class, and V8
  // copies a 17-field object several times faster this way.
  const next: RunRecord = {
    id: prev.id,
    workflowId: prev.workflowId,
    workflowVersion,
    fingerprint,
    status,
    version: prev.version + 1,
    priority: prev.priority,
    input,
    config: prev.config,
    metadata,
    control,
    concurrencyKey: prev.concurrencyKey,
    output,
    error,
    currentGroup,
    groupRemaining,
    eventSeq,
    idempotencyKey: prev.idempotencyKey,
    parentRunId: prev.parentRunId,
    waiting,
    createdAt: prev.createdAt,
    updatedAt: tx.date(options.now),
    startedAt,
    completedAt,
  };
  store.runs.replace(tx, id, prev, next);
  return copyRun(next);
}

/** Runs matching the query, least recently updated first. */
export function listRuns(store: InMemoryStore, query: ListRunsQuery): RunRecord[] {
  const before = query.updatedBefore?.getTime();
  const routes = query.routes === undefined ? undefined : new Set(query.routes);
  const rows: RunRecord[] = [];
  for (const row of store.runs.values()) {
    if (query.status !== undefined && row.status !== query.status) continue;
    if (query.workflowId !== undefined && row.workflowId !== query.workflowId) continue;
    if (before !== undefined && row.updatedAt.getTime() >= before) continue;
    if (routes !== undefined && !routes.has(routeKey(row))) continue;
    if (query.waiting !== undefined && row.waiting !== query.waiting) continue;
    rows.push(row);
  }
  rows.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || compareIds(a.id, b.id));
  return rows.slice(0, Math.max(0, query.limit)).map(copyRun);
}

/**
 * Moves up to `limit` `PENDING` runs, highest priority then oldest, to `RUNNING`; with
 * `concurrency`, runs without a key first, then keyed runs while their key has room.
 */
export function claimPendingRuns(
  store: InMemoryStore,
  tx: StoreTransaction,
  options: ClaimPendingOptions,
): RunRecord[] {
  return claimRunRows(store, tx, options).map(copyRun);
}

/**
 * {@link claimPendingRuns}, returning the rows as stored (not copies): for writers in this
 * store that go on to write the claimed runs, such as the run starter. Never hand them out.
 */
export function claimRunRows(
  store: InMemoryStore,
  tx: StoreTransaction,
  { limit, now, concurrency, rates, routes }: ClaimPendingOptions,
): RunRecord[] {
  const served = servedBy(routes);
  const picked = concurrency
    ? pickWithinLimits(store, tx, { limit, now, limitOf: concurrency, rates, served })
    : store.pendingRuns.first(limit, served);
  const updatedAt = tx.date(now);
  return picked.map((prev) => {
    const next: RunRecord = {
      id: prev.id,
      workflowId: prev.workflowId,
      workflowVersion: prev.workflowVersion,
      fingerprint: prev.fingerprint,
      status: "RUNNING",
      version: prev.version + 1,
      priority: prev.priority,
      input: prev.input,
      config: prev.config,
      metadata: prev.metadata,
      control: prev.control,
      concurrencyKey: prev.concurrencyKey,
      output: prev.output,
      error: prev.error,
      currentGroup: prev.currentGroup,
      groupRemaining: prev.groupRemaining,
      eventSeq: prev.eventSeq,
      idempotencyKey: prev.idempotencyKey,
      parentRunId: prev.parentRunId,
      waiting: prev.waiting,
      createdAt: prev.createdAt,
      updatedAt,
      startedAt: prev.startedAt ?? updatedAt,
      completedAt: prev.completedAt,
    };
    store.runs.replace(tx, next.id, prev, next);
    return next;
  });
}

/** Whether a run's route key is one of `routes` (all runs when absent). */
function servedBy(routes: readonly string[] | undefined): (row: RunRecord) => boolean {
  if (routes === undefined) return () => true;
  if (routes.length === 1) {
    const only = routes[0];
    return (row) => routeKey(row) === only;
  }
  const set = new Set(routes);
  return (row) => set.has(routeKey(row));
}

/**
 * Unkeyed runs first, then keyed runs while their key has room: under its concurrency limit
 * and, with `rates`, its start rate (whose state is written for the starts taken).
 */
function pickWithinLimits(
  store: InMemoryStore,
  tx: StoreTransaction,
  {
    limit,
    now,
    limitOf,
    rates,
    served,
  }: {
    limit: number;
    now: Date;
    limitOf: (workflowId: string) => number | undefined;
    rates: ClaimPendingOptions["rates"];
    served: (row: RunRecord) => boolean;
  },
): RunRecord[] {
  const picked = store.pendingRuns.first(
    limit,
    (row) => row.concurrencyKey === null && served(row),
  );
  if (picked.length >= limit) return picked;
  const running = new Map<string, number>();
  for (const row of store.runs.values()) {
    if (row.status === "RUNNING" && row.concurrencyKey !== null)
      running.set(row.concurrencyKey, (running.get(row.concurrencyKey) ?? 0) + 1);
  }
  const started = new Map<string, { rate: StartRate; state: StartRateState | null; n: number }>();
  const keyed = store.pendingRuns.first(limit - picked.length, (row) => {
    const key = row.concurrencyKey;
    if (key === null || !served(row)) return false;
    const count = running.get(key) ?? 0;
    if (count >= (limitOf(row.workflowId) ?? Number.POSITIVE_INFINITY)) return false;
    const rate = rates?.(row.workflowId);
    if (rate) {
      let entry = started.get(key);
      if (!entry) {
        entry = { rate, state: store.startRates.get(key) ?? null, n: 0 };
        started.set(key, entry);
      }
      if (entry.n >= startRoom(rate, entry.state, now)) return false;
      entry.n += 1;
    }
    running.set(key, count + 1);
    return true;
  });
  for (const [key, { rate, state, n }] of started) {
    if (n > 0) store.startRates.put(tx, key, afterStarts(rate, state, now, n));
  }
  return [...picked, ...keyed];
}

/** A run with `concurrencyKey` in one of `statuses` (default: the active ones), or `null`. */
export function activeRunOfKey(
  store: InMemoryStore,
  concurrencyKey: string,
  statuses: readonly RunStatus[] = ["PENDING", "SCHEDULED", "RUNNING"],
): RunRecord | null {
  for (const row of store.runs.values()) {
    if (row.concurrencyKey === concurrencyKey && statuses.includes(row.status)) return copyRun(row);
  }
  return null;
}
