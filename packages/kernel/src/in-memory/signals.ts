/**
 * Signal operations of the in-memory persistence: signals buffered until a wait takes them,
 * and the stages waiting for them.
 *
 * A signal or wait with a key belongs to its key (name and key), one without to its run (run id
 * and name), so a run's signal never matches a wait by key and the other way round. Rows are
 * never mutated: consuming a signal writes a new row object, so a rolled-back transaction puts
 * the buffered one back. `lockSignalKey` takes nothing: the store's mutex already serialises
 * every transaction.
 */
import type { ListSignalWaitsQuery, SignalMatch } from "../ports/persistence/index.js";
import type { NewSignal, SignalRecord, SignalWaitRecord } from "../records.js";
import { cloneJson, copyDate, copyNullableDate } from "./copy.js";
import { compareIds, pickRows } from "./select.js";
import { type InMemoryStore, signalMatchGroup } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored signal. */
export function copySignal(row: SignalRecord): SignalRecord {
  return {
    id: row.id,
    runId: row.runId,
    name: row.name,
    matchKey: row.matchKey,
    payload: cloneJson(row.payload),
    sentAt: copyDate(row.sentAt),
    consumedAt: copyNullableDate(row.consumedAt),
    consumedBy: row.consumedBy,
  };
}

/** Copy of a stored signal wait. */
export function copySignalWait(row: SignalWaitRecord): SignalWaitRecord {
  return {
    stageRecordId: row.stageRecordId,
    runId: row.runId,
    stageId: row.stageId,
    name: row.name,
    matchKey: row.matchKey,
    kind: row.kind,
    createdAt: copyDate(row.createdAt),
    expiresAt: copyNullableDate(row.expiresAt),
  };
}

/** Order in which buffered signals are taken: oldest first, then by id. */
function bySentAt(a: SignalRecord, b: SignalRecord): number {
  return a.sentAt.getTime() - b.sentAt.getTime() || compareIds(a.id, b.id);
}

/** Order of waits: oldest first, then by stage record id. */
function byCreatedAt(a: SignalWaitRecord, b: SignalWaitRecord): number {
  return (
    a.createdAt.getTime() - b.createdAt.getTime() || compareIds(a.stageRecordId, b.stageRecordId)
  );
}

/** `prev` consumed by `stageRecordId` at `now` (a new row: stored rows are never mutated). */
function consumed(prev: SignalRecord, stageRecordId: string, now: Date): SignalRecord {
  return {
    id: prev.id,
    runId: prev.runId,
    name: prev.name,
    matchKey: prev.matchKey,
    payload: prev.payload,
    sentAt: prev.sentAt,
    consumedAt: copyDate(now),
    consumedBy: stageRecordId,
  };
}

/** Stores an unconsumed signal; `false` (nothing written) when its id is taken. */
export function appendSignal(
  store: InMemoryStore,
  tx: StoreTransaction,
  signal: NewSignal,
): boolean {
  if (store.signals.get(signal.id) !== undefined) return false;
  const row: SignalRecord = {
    id: signal.id,
    runId: signal.runId,
    name: signal.name,
    matchKey: signal.matchKey,
    payload: cloneJson(signal.payload),
    sentAt: copyDate(signal.sentAt),
    consumedAt: null,
    consumedBy: null,
  };
  store.signals.replace(tx, row.id, undefined, row);
  return true;
}

/** A signal by id. */
export function getSignal(store: InMemoryStore, id: string): SignalRecord | null {
  const row = store.signals.get(id);
  return row === undefined ? null : copySignal(row);
}

/** Consumes the oldest buffered signal matching `match` for `stageRecordId`; `null` when none. */
export function takeBufferedSignal(
  store: InMemoryStore,
  tx: StoreTransaction,
  match: SignalMatch,
  stageRecordId: string,
  now: Date,
): SignalRecord | null {
  const [oldest] = pickRows({
    keys: store.bufferedSignals.keysOf(signalMatchGroup(match)),
    get: (id) => store.signals.get(id),
    accept: () => true,
    limit: 1,
    compare: bySentAt,
  });
  if (oldest === undefined) return null;
  const next = consumed(oldest, stageRecordId, now);
  store.signals.replace(tx, next.id, oldest, next);
  return copySignal(next);
}

/** Marks a signal consumed by `stageRecordId`; `false` when it is missing or consumed already. */
export function markSignalConsumed(
  store: InMemoryStore,
  tx: StoreTransaction,
  id: string,
  stageRecordId: string,
  now: Date,
): boolean {
  const prev = store.signals.get(id);
  if (prev === undefined || prev.consumedAt !== null) return false;
  store.signals.replace(tx, id, prev, consumed(prev, stageRecordId, now));
  return true;
}

/** Stores a wait, replacing the stage record's earlier one. */
export function putSignalWait(
  store: InMemoryStore,
  tx: StoreTransaction,
  wait: SignalWaitRecord,
): void {
  const prev = store.signalWaits.get(wait.stageRecordId);
  store.signalWaits.replace(tx, wait.stageRecordId, prev, copySignalWait(wait));
}

/** The wait of a stage record. */
export function getSignalWait(
  store: InMemoryStore,
  stageRecordId: string,
): SignalWaitRecord | null {
  const row = store.signalWaits.get(stageRecordId);
  return row === undefined ? null : copySignalWait(row);
}

/** The oldest `limit` waits matching `match`. */
export function findSignalWaits(
  store: InMemoryStore,
  match: SignalMatch,
  limit: number,
): SignalWaitRecord[] {
  return pickRows({
    keys: store.signalWaitsByMatch.keysOf(signalMatchGroup(match)),
    get: (id) => store.signalWaits.get(id),
    accept: () => true,
    limit,
    compare: byCreatedAt,
  }).map(copySignalWait);
}

/** Deletes a wait; `false` when there was none. */
export function deleteSignalWait(
  store: InMemoryStore,
  tx: StoreTransaction,
  stageRecordId: string,
): boolean {
  return store.signalWaits.delete(tx, stageRecordId);
}

/** Waits matching the query, oldest first, after `query.after` when given. */
export function listSignalWaits(
  store: InMemoryStore,
  { runId, kind, after, limit }: ListSignalWaitsQuery,
): SignalWaitRecord[] {
  const keys =
    runId !== undefined
      ? store.signalWaitsByRun.keysOf(runId)
      : kind !== undefined
        ? store.signalWaitsByKind.keysOf(kind)
        : store.signalWaits.keys();
  const cursor =
    after === undefined
      ? undefined
      : ({ createdAt: after.createdAt, stageRecordId: after.stageRecordId } as SignalWaitRecord);
  return pickRows({
    keys,
    get: (id) => store.signalWaits.get(id),
    accept: (wait) =>
      (runId === undefined || wait.runId === runId) &&
      (kind === undefined || wait.kind === kind) &&
      (cursor === undefined || byCreatedAt(wait, cursor) > 0),
    limit,
    compare: byCreatedAt,
  }).map(copySignalWait);
}
