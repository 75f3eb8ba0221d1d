/** Stage operations of the in-memory persistence. */
import { routeKey } from "../dsl/versioning.js";
import type { ClaimLeaseOptions, StageExpectation } from "../ports/persistence/index.js";
import type { JsonValue, NewStage, StageOutputKey, StagePatch, StageRecord } from "../records.js";
import {
  cloneJson,
  copyDate,
  copyError,
  copyNullableDate,
  copyOutputRef,
  storedOutputRef,
} from "./copy.js";
import { pickRows, rowsOf } from "./select.js";
import { duplicateKeyError, type InMemoryStore, type StageRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored stage, without its inline output. */
export function copyStage(row: StageRow): StageRecord {
  return {
    id: row.id,
    runId: row.runId,
    stageId: row.stageId,
    groupIndex: row.groupIndex,
    status: row.status,
    attempt: row.attempt,
    outputRef: copyOutputRef(row.outputRef),
    suspendedState: cloneJson(row.suspendedState),
    pollConfig: cloneJson(row.pollConfig),
    nextPollAt: copyNullableDate(row.nextPollAt),
    pollLeaseUntil: copyNullableDate(row.pollLeaseUntil),
    progress: cloneJson(row.progress),
    error: copyError(row.error),
    createdAt: copyDate(row.createdAt),
    updatedAt: copyDate(row.updatedAt),
    startedAt: copyNullableDate(row.startedAt),
    completedAt: copyNullableDate(row.completedAt),
  };
}

/** Key of an output in the map `getStageOutputs` returns: `<runId>:<stageId>`. */
export function stageOutputMapKey(runId: string, stageId: string): string {
  return `${runId}:${stageId}`;
}

/** Inserts stage records at attempt 0: `PENDING`, or `SKIPPED` (completed at creation) as asked. */
export function createStages(
  store: InMemoryStore,
  tx: StoreTransaction,
  stages: readonly NewStage[],
): void {
  for (const stage of stages) {
    if (store.stages.get(stage.id) !== undefined) throw duplicateKeyError("stage record", stage.id);
    if (store.stageByName.get(stage.runId, stage.stageId) !== undefined) {
      throw duplicateKeyError(`stage of run ${stage.runId}`, stage.stageId);
    }
    // Spelled out instead of `{ ...newStageRecord(stage), output, seq }`: V8 gives an object
    // spread that adds properties a hidden class of its own, and one class per row made every
    // read of a stage row megamorphic (and listStages several times slower).
    const createdAt = tx.date(stage.createdAt);
    const row: StageRow = {
      id: stage.id,
      runId: stage.runId,
      stageId: stage.stageId,
      groupIndex: stage.groupIndex,
      status: stage.status ?? "PENDING",
      attempt: 0,
      outputRef: null,
      suspendedState: null,
      pollConfig: null,
      nextPollAt: null,
      pollLeaseUntil: null,
      progress: null,
      error: null,
      createdAt,
      updatedAt: createdAt,
      startedAt: null,
      completedAt: stage.status === "SKIPPED" ? createdAt : null,
      output: undefined,
      seq: store.nextSeq(),
    };
    store.stages.replace(tx, row.id, undefined, row);
  }
}

function byGroupThenCreation(a: StageRow, b: StageRow): number {
  return a.groupIndex - b.groupIndex || a.seq - b.seq;
}

/** A run's stages by execution group, then creation order. */
export function listStages(store: InMemoryStore, runId: string): StageRecord[] {
  const rows = rowsOf(store.stagesByRun.keysOf(runId), (id) => store.stages.get(id));
  return rows.sort(byGroupThenCreation).map(copyStage);
}

/** A stage by run and stage id. */
export function getStage(store: InMemoryStore, runId: string, stageId: string): StageRecord | null {
  const id = store.stageByName.get(runId, stageId);
  const row = id === undefined ? undefined : store.stages.get(id);
  return row === undefined ? null : copyStage(row);
}

/** Applies `patch` unless the stage is missing or does not match `expected`. */
export function updateStage(
  store: InMemoryStore,
  tx: StoreTransaction,
  id: string,
  patch: StagePatch,
  options: { expected?: StageExpectation; now: Date },
): boolean {
  const prev = store.stages.get(id);
  if (prev === undefined) return false;
  const expected = options.expected;
  if (expected?.status !== undefined && !expected.status.includes(prev.status)) return false;
  if (expected?.attempt !== undefined && prev.attempt !== expected.attempt) return false;
  const outputRef = patch.outputRef;
  let output = prev.output;
  if (outputRef !== undefined && outputRef?.kind !== "inline") output = undefined;
  if (patch.output !== undefined) output = cloneJson(patch.output);
  // One literal rather than a spread and assignments (one hidden class, a faster copy).
  const next: StageRow = {
    id: prev.id,
    runId: prev.runId,
    stageId: prev.stageId,
    groupIndex: prev.groupIndex,
    status: patch.status !== undefined ? patch.status : prev.status,
    attempt: patch.attempt !== undefined ? patch.attempt : prev.attempt,
    outputRef: outputRef !== undefined ? storedOutputRef(outputRef) : prev.outputRef,
    suspendedState:
      patch.suspendedState !== undefined ? cloneJson(patch.suspendedState) : prev.suspendedState,
    pollConfig: patch.pollConfig !== undefined ? cloneJson(patch.pollConfig) : prev.pollConfig,
    nextPollAt:
      patch.nextPollAt !== undefined ? copyNullableDate(patch.nextPollAt) : prev.nextPollAt,
    pollLeaseUntil:
      patch.pollLeaseUntil !== undefined
        ? copyNullableDate(patch.pollLeaseUntil)
        : prev.pollLeaseUntil,
    progress: patch.progress !== undefined ? cloneJson(patch.progress) : prev.progress,
    error: patch.error !== undefined ? copyError(patch.error) : prev.error,
    createdAt: prev.createdAt,
    updatedAt: tx.date(options.now),
    startedAt: patch.startedAt !== undefined ? tx.nullableDate(patch.startedAt) : prev.startedAt,
    completedAt:
      patch.completedAt !== undefined ? tx.nullableDate(patch.completedAt) : prev.completedAt,
    output,
    seq: prev.seq,
  };
  store.stages.replace(tx, id, prev, next);
  return true;
}

/** Inline outputs of the given stages, keyed by {@link stageOutputMapKey}. */
export function getStageOutputs(
  store: InMemoryStore,
  keys: readonly StageOutputKey[],
): Map<string, JsonValue> {
  const outputs = new Map<string, JsonValue>();
  for (const { runId, stageId } of keys) {
    const id = store.stageByName.get(runId, stageId);
    const row = id === undefined ? undefined : store.stages.get(id);
    if (row?.outputRef?.kind !== "inline" || row.output === undefined) continue;
    outputs.set(stageOutputMapKey(runId, stageId), cloneJson(row.output));
  }
  return outputs;
}

/** Deletes a run's stages from `groupIndex` on (through `throughGroup`); returns how many. */
export function deleteStagesFrom(
  store: InMemoryStore,
  tx: StoreTransaction,
  runId: string,
  groupIndex: number,
  throughGroup = Number.POSITIVE_INFINITY,
): number {
  const doomed = rowsOf(store.stagesByRun.keysOf(runId), (id) => store.stages.get(id)).filter(
    (row) => row.groupIndex >= groupIndex && row.groupIndex <= throughGroup,
  );
  for (const row of doomed) store.stages.delete(tx, row.id);
  return doomed.length;
}

function withPollLease(prev: StageRow, pollLeaseUntil: Date): StageRow {
  return {
    id: prev.id,
    runId: prev.runId,
    stageId: prev.stageId,
    groupIndex: prev.groupIndex,
    status: prev.status,
    attempt: prev.attempt,
    outputRef: prev.outputRef,
    suspendedState: prev.suspendedState,
    pollConfig: prev.pollConfig,
    nextPollAt: prev.nextPollAt,
    pollLeaseUntil,
    progress: prev.progress,
    error: prev.error,
    createdAt: prev.createdAt,
    updatedAt: prev.updatedAt,
    startedAt: prev.startedAt,
    completedAt: prev.completedAt,
    output: prev.output,
    seq: prev.seq,
  };
}

/** Whether the run's route key is among `served`. */
function isServed(store: InMemoryStore, runId: string, served: ReadonlySet<string>): boolean {
  const run = store.runs.get(runId);
  return run !== undefined && served.has(routeKey(run));
}

/**
 * Leases up to `limit` due `SUSPENDED` stages that no one else holds, earliest poll first (of
 * runs among `routes`, when given).
 */
export function claimSuspendedStages(
  store: InMemoryStore,
  tx: StoreTransaction,
  { now, limit, leaseMs, routes }: ClaimLeaseOptions,
): StageRecord[] {
  const t = now.getTime();
  const served = routes === undefined ? undefined : new Set(routes);
  const picked = pickRows({
    keys: store.suspendedStages.values,
    get: (id) => store.stages.get(id),
    accept: (row) =>
      (row.nextPollAt === null || row.nextPollAt.getTime() <= t) &&
      (row.pollLeaseUntil === null || row.pollLeaseUntil.getTime() <= t) &&
      (served === undefined || isServed(store, row.runId, served)),
    limit,
    compare: (a, b) =>
      (a.nextPollAt?.getTime() ?? 0) - (b.nextPollAt?.getTime() ?? 0) || a.seq - b.seq,
  });
  const leaseUntil = new Date(t + leaseMs);
  return picked.map((prev) => {
    const next: StageRow = withPollLease(prev, leaseUntil);
    store.stages.replace(tx, next.id, prev, next);
    return copyStage(next);
  });
}
