/**
 * Schedule operations of the in-memory persistence. The store's one lock serialises
 * transactions, so a claim inside one holds its schedules until it ends, like the row locks
 * of a database.
 */
import type { NewSchedule, SchedulePatch } from "../ports/persistence/index.js";
import type { ScheduleRecord } from "../records.js";
import { cloneJson, copyDate, copyNullableDate } from "./copy.js";
import { compareIds } from "./select.js";
import type { InMemoryStore } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored schedule. */
export function copySchedule(row: ScheduleRecord): ScheduleRecord {
  return {
    id: row.id,
    workflowId: row.workflowId,
    cron: row.cron,
    timezone: row.timezone,
    input: cloneJson(row.input),
    metadata: cloneJson(row.metadata),
    priority: row.priority,
    overlap: row.overlap,
    catchUp: row.catchUp,
    paused: row.paused,
    nextFireAt: copyNullableDate(row.nextFireAt),
    lastFireAt: copyNullableDate(row.lastFireAt),
    lastRunId: row.lastRunId,
    bufferedAt: copyNullableDate(row.bufferedAt),
    version: row.version,
    createdAt: copyDate(row.createdAt),
    updatedAt: copyDate(row.updatedAt),
  };
}

/** Inserts a schedule at version 1; `null` when its id is taken. */
export function createSchedule(
  store: InMemoryStore,
  tx: StoreTransaction,
  schedule: NewSchedule,
): ScheduleRecord | null {
  if (store.schedules.get(schedule.id) !== undefined) return null;
  const row = copySchedule({ ...schedule, version: 1, updatedAt: schedule.createdAt });
  store.schedules.replace(tx, row.id, undefined, row);
  return copySchedule(row);
}

/** A schedule by id. */
export function getSchedule(store: InMemoryStore, id: string): ScheduleRecord | null {
  const row = store.schedules.get(id);
  return row === undefined ? null : copySchedule(row);
}

/** Applies `patch` unless the schedule is missing or not at `expectedVersion`. */
export function updateSchedule(
  store: InMemoryStore,
  tx: StoreTransaction,
  id: string,
  patch: SchedulePatch,
  options: { expectedVersion?: number; now: Date },
): ScheduleRecord | null {
  const prev = store.schedules.get(id);
  if (prev === undefined) return null;
  if (options.expectedVersion !== undefined && prev.version !== options.expectedVersion)
    return null;
  const defined = Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => value !== undefined && key in prev),
  ) as SchedulePatch;
  const next = copySchedule({
    ...prev,
    ...defined,
    id: prev.id,
    version: prev.version + 1,
    createdAt: prev.createdAt,
    updatedAt: options.now,
  });
  store.schedules.replace(tx, id, prev, next);
  return copySchedule(next);
}

/** Deletes a schedule; whether there was one. */
export function deleteSchedule(store: InMemoryStore, tx: StoreTransaction, id: string): boolean {
  return store.schedules.delete(tx, id);
}

/** Schedules by id, after `afterId`. */
export function listSchedules(
  store: InMemoryStore,
  query: { afterId?: string; limit: number },
): ScheduleRecord[] {
  const after = query.afterId;
  const rows = [...store.schedules.values()].filter(
    (row) => after === undefined || compareIds(row.id, after) > 0,
  );
  rows.sort((a, b) => compareIds(a.id, b.id));
  return rows.slice(0, Math.max(0, query.limit)).map(copySchedule);
}

/** Unpaused schedules due at `now`, earliest first (the store's lock holds them). */
export function claimDueSchedules(
  store: InMemoryStore,
  options: { now: Date; limit: number },
): ScheduleRecord[] {
  const now = options.now.getTime();
  const due = [...store.schedules.values()].filter(
    (row) => !row.paused && row.nextFireAt !== null && row.nextFireAt.getTime() <= now,
  );
  due.sort(
    (a, b) =>
      (a.nextFireAt as Date).getTime() - (b.nextFireAt as Date).getTime() || compareIds(a.id, b.id),
  );
  return due.slice(0, Math.max(0, options.limit)).map(copySchedule);
}

/** The earliest `nextFireAt` of an unpaused schedule. */
export function nextScheduleFireAt(store: InMemoryStore): Date | null {
  let earliest: Date | null = null;
  for (const row of store.schedules.values()) {
    if (row.paused || row.nextFireAt === null) continue;
    if (earliest === null || row.nextFireAt.getTime() < earliest.getTime())
      earliest = row.nextFireAt;
  }
  return earliest === null ? null : new Date(earliest.getTime());
}
