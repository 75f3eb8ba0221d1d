/**
 * Cron schedule statements (`ratchet_schedules`). A claim locks the due rows it returns until
 * its transaction ends and skips rows another transaction holds (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`; SQLite's writers are serialised by `BEGIN IMMEDIATE`), so two hosts
 * never fire the same schedule at once; updates are compare-and-set on `version`.
 */
import type {
  NewSchedule,
  ScheduleCatchUpPolicy,
  ScheduleOverlapPolicy,
  SchedulePatch,
  ScheduleRecord,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { announce } from "../sql/notify.js";
import {
  booleanParam,
  json,
  parseJson,
  parseJsonObject,
  type RowSource,
  toBoolean,
  toDate,
  toDateOrNull,
  toNumber,
} from "../sql/rows.js";

type Row = Record<string, unknown>;

const SCHEDULES: RowSource = { table: "ratchet_schedules", idColumn: "id" };

/** Columns of `ratchet_schedules`, in the order {@link scheduleFromRow} reads them. */
export const SCHEDULE_COLUMNS =
  "id, workflow_id, cron, timezone, input, metadata, priority, overlap, catch_up, paused, next_fire_at, last_fire_at, last_run_id, buffered_at, version, created_at, updated_at";

/** A schedule row as a record. */
export function scheduleFromRow(row: Row): ScheduleRecord {
  return {
    id: row.id as string,
    workflowId: row.workflow_id as string,
    cron: row.cron as string,
    timezone: row.timezone as string,
    input: parseJson(row.input, SCHEDULES, row, "input"),
    metadata: parseJsonObject(row.metadata, SCHEDULES, row, "metadata"),
    priority: toNumber(row.priority),
    overlap: row.overlap as ScheduleOverlapPolicy,
    catchUp: row.catch_up as ScheduleCatchUpPolicy,
    paused: toBoolean(row.paused),
    nextFireAt: toDateOrNull(row.next_fire_at),
    lastFireAt: toDateOrNull(row.last_fire_at),
    lastRunId: (row.last_run_id as string | null) ?? null,
    bufferedAt: toDateOrNull(row.buffered_at),
    version: toNumber(row.version),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** Inserts a schedule at version 1; `null` (nothing written) when its id is taken. */
export async function createSchedule(
  db: SqlExecutor,
  schedule: NewSchedule,
): Promise<ScheduleRecord | null> {
  const d = db.dialect;
  const rows = await db.query(
    `INSERT INTO ratchet_schedules (id, workflow_id, cron, timezone, input, metadata, priority, overlap, catch_up, paused, next_fire_at, last_fire_at, last_run_id, buffered_at, version, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15)
     ON CONFLICT (id) DO NOTHING RETURNING ${SCHEDULE_COLUMNS}`,
    schedule.id,
    schedule.workflowId,
    schedule.cron,
    schedule.timezone,
    json(schedule.input),
    json(schedule.metadata),
    schedule.priority,
    schedule.overlap,
    schedule.catchUp,
    booleanParam(d, schedule.paused),
    d.dateOrNull(schedule.nextFireAt),
    d.dateOrNull(schedule.lastFireAt),
    schedule.lastRunId,
    d.dateOrNull(schedule.bufferedAt),
    d.date(schedule.createdAt),
  );
  const [row] = rows;
  if (!row) return null;
  // Its first slot may come before an idle host's next tick: wake the hosts to look.
  if (!schedule.paused) await announce(db, "due");
  return scheduleFromRow(row);
}

/** A schedule by id; `forUpdate` locks it until the transaction ends (PostgreSQL). */
export async function getSchedule(
  db: SqlExecutor,
  id: string,
  forUpdate: boolean,
): Promise<ScheduleRecord | null> {
  const lock = forUpdate && db.inTransaction ? ` ${db.dialect.forUpdate}` : "";
  const [row] = await db.query(
    `SELECT ${SCHEDULE_COLUMNS} FROM ratchet_schedules WHERE id = $1${lock}`,
    id,
  );
  return row ? scheduleFromRow(row) : null;
}

/** How a patched field is stored. */
type PatchKind = "json" | "date" | "boolean" | "plain";

const PATCH_COLUMNS: Array<[keyof SchedulePatch, string, PatchKind]> = [
  ["workflowId", "workflow_id", "plain"],
  ["cron", "cron", "plain"],
  ["timezone", "timezone", "plain"],
  ["input", "input", "json"],
  ["metadata", "metadata", "json"],
  ["priority", "priority", "plain"],
  ["overlap", "overlap", "plain"],
  ["catchUp", "catch_up", "plain"],
  ["paused", "paused", "boolean"],
  ["nextFireAt", "next_fire_at", "date"],
  ["lastFireAt", "last_fire_at", "date"],
  ["lastRunId", "last_run_id", "plain"],
  ["bufferedAt", "buffered_at", "date"],
];

/** Applies `patch` (bumping `version`), at `expectedVersion` when given. */
export async function updateSchedule(
  db: SqlExecutor,
  id: string,
  patch: SchedulePatch,
  options: { expectedVersion?: number; now: Date },
): Promise<ScheduleRecord | null> {
  const d = db.dialect;
  const params: unknown[] = [id, d.date(options.now)];
  const sets = ["version = version + 1", "updated_at = $2"];
  for (const [field, column, kind] of PATCH_COLUMNS) {
    const value = patch[field];
    if (value === undefined) continue;
    params.push(
      kind === "json"
        ? json(value)
        : kind === "date"
          ? d.dateOrNull(value as Date | null)
          : kind === "boolean"
            ? booleanParam(d, value as boolean)
            : value,
    );
    sets.push(`${column} = $${params.length}`);
  }
  let where = "id = $1";
  if (options.expectedVersion !== undefined) {
    params.push(options.expectedVersion);
    where += ` AND version = $${params.length}`;
  }
  const [row] = await db.query(
    `UPDATE ratchet_schedules SET ${sets.join(", ")} WHERE ${where} RETURNING ${SCHEDULE_COLUMNS}`,
    ...params,
  );
  if (!row) return null;
  // A user's change (resumed, new cron or time zone) may bring the next slot before an idle
  // host's next tick; a fire's own update (last/next fire) comes from a tick and wakes no one.
  if (retimes(patch)) await announce(db, "due");
  return scheduleFromRow(row);
}

/** Whether a patch may move a schedule's next slot earlier than the hosts know. */
function retimes(patch: SchedulePatch): boolean {
  return patch.paused === false || patch.cron !== undefined || patch.timezone !== undefined;
}

/** Deletes a schedule; whether there was one. */
export async function deleteSchedule(db: SqlExecutor, id: string): Promise<boolean> {
  return (await db.execute("DELETE FROM ratchet_schedules WHERE id = $1", id)) > 0;
}

/** Schedules by id, after `afterId`. */
export async function listSchedules(
  db: SqlExecutor,
  query: { afterId?: string; limit: number },
): Promise<ScheduleRecord[]> {
  const limit = Math.max(0, query.limit);
  const rows =
    query.afterId === undefined
      ? await db.query(
          `SELECT ${SCHEDULE_COLUMNS} FROM ratchet_schedules ORDER BY id LIMIT $1`,
          limit,
        )
      : await db.query(
          `SELECT ${SCHEDULE_COLUMNS} FROM ratchet_schedules WHERE id > $2 ORDER BY id LIMIT $1`,
          limit,
          query.afterId,
        );
  return rows.map(scheduleFromRow);
}

/**
 * Locks and returns up to `limit` unpaused schedules due at `now`, earliest first, skipping
 * rows another transaction holds. Along the `next_fire_at` index: its cost does not grow with
 * the number of schedules that are not due.
 */
export async function claimDueSchedules(
  db: SqlExecutor,
  options: { now: Date; limit: number },
): Promise<ScheduleRecord[]> {
  const lock = db.inTransaction ? ` ${db.dialect.skipLocked}` : "";
  const rows = await db.query(
    `SELECT ${SCHEDULE_COLUMNS} FROM ratchet_schedules
     WHERE next_fire_at <= $1 AND NOT paused
     ORDER BY next_fire_at, id LIMIT $2${lock}`,
    db.dialect.date(options.now),
    Math.max(0, options.limit),
  );
  return rows.map(scheduleFromRow);
}

/** The earliest `next_fire_at` of an unpaused schedule. */
export async function nextScheduleFireAt(db: SqlExecutor): Promise<Date | null> {
  const [row] = await db.query<{ next: unknown }>(
    "SELECT MIN(next_fire_at) AS next FROM ratchet_schedules WHERE NOT paused",
  );
  return toDateOrNull(row?.next ?? null);
}
