/**
 * Run statements.
 */
import type {
  ClaimPendingOptions,
  ListRunsQuery,
  NewRun,
  RunPatch,
  RunRecord,
  StoredError,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { announce } from "../sql/notify.js";
import { type CorruptRowError, decodeReadable, json, jsonOrNull } from "../sql/rows.js";
import { RUN_COLUMNS, runFromRow } from "./rows.js";

/**
 * Inserts a `PENDING` run at version 1. The row is exactly what was given plus fixed
 * defaults, so the record is built here rather than read back: inside a PostgreSQL
 * transaction the insert is held back with the transaction's other writes.
 */
export async function createRun(db: SqlExecutor, run: NewRun): Promise<RunRecord> {
  const d = db.dialect;
  await db.write(
    `INSERT INTO ratchet_runs (id, workflow_id, status, version, priority, input, config, metadata, control, concurrency_key, current_group, group_remaining, event_seq, idempotency_key, created_at, updated_at)
     VALUES ($1, $2, 'PENDING', 1, $3, $4, $5, $6, $10, $11, 0, 0, $7, $8, $9, $9)`,
    run.id,
    run.workflowId,
    run.priority,
    json(run.input),
    json(run.config),
    json(run.metadata),
    run.eventSeq,
    run.idempotencyKey,
    d.date(run.createdAt),
    json(run.control ?? {}),
    run.concurrencyKey ?? null,
  );
  await announce(db, "run");
  const at = new Date(run.createdAt.getTime());
  return {
    id: run.id,
    workflowId: run.workflowId,
    status: "PENDING",
    version: 1,
    priority: run.priority,
    input: structuredClone(run.input),
    config: structuredClone(run.config),
    metadata: structuredClone(run.metadata),
    control: structuredClone(run.control ?? {}),
    concurrencyKey: run.concurrencyKey ?? null,
    output: null,
    error: null,
    currentGroup: 0,
    groupRemaining: 0,
    eventSeq: run.eventSeq,
    idempotencyKey: run.idempotencyKey,
    createdAt: at,
    updatedAt: new Date(at.getTime()),
    startedAt: null,
    completedAt: null,
  };
}

/** A run by id; `forUpdate` locks it until the transaction ends (PostgreSQL). */
export async function getRun(
  db: SqlExecutor,
  id: string,
  forUpdate: boolean,
): Promise<RunRecord | null> {
  const lock = forUpdate && db.inTransaction ? ` ${db.dialect.forUpdate}` : "";
  const [row] = await db.query(`SELECT ${RUN_COLUMNS} FROM ratchet_runs WHERE id = $1${lock}`, id);
  return row ? runFromRow(row) : null;
}

const PATCH_COLUMNS: Array<[keyof RunPatch, string, "json" | "date" | "plain"]> = [
  ["status", "status", "plain"],
  ["output", "output", "json"],
  ["error", "error", "json"],
  ["currentGroup", "current_group", "plain"],
  ["groupRemaining", "group_remaining", "plain"],
  ["eventSeq", "event_seq", "plain"],
  ["metadata", "metadata", "json"],
  ["control", "control", "json"],
  ["startedAt", "started_at", "date"],
  ["completedAt", "completed_at", "date"],
];

/** The `UPDATE` that applies `patch` (bumping version), at `expectedVersion` when given. */
function runUpdate(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
  options: { expectedVersion?: number; now: Date },
): { sql: string; params: unknown[] } {
  const d = db.dialect;
  const params: unknown[] = [id, d.date(options.now)];
  const sets = ["version = version + 1", "updated_at = $2"];
  for (const [key, column, kind] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    params.push(
      kind === "json"
        ? column === "metadata" || column === "control"
          ? json(value)
          : jsonOrNull(value)
        : kind === "date"
          ? d.dateOrNull(value as Date | null)
          : value,
    );
    sets.push(`${column} = $${params.length}`);
  }
  let where = "id = $1";
  if (options.expectedVersion !== undefined) {
    params.push(options.expectedVersion);
    where += ` AND version = $${params.length}`;
  }
  return { sql: `UPDATE ratchet_runs SET ${sets.join(", ")} WHERE ${where}`, params };
}

/** Applies `patch` (bumping version) unless the run is missing or not at `expectedVersion`. */
export async function updateRun(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
  options: { expectedVersion?: number; now: Date },
): Promise<RunRecord | null> {
  const { sql, params } = runUpdate(db, id, patch, options);
  const [row] = await db.query(`${sql} RETURNING ${RUN_COLUMNS}`, ...params);
  return row ? runFromRow(row) : null;
}

/**
 * `updateRun` of a run the open transaction holds locked: held back with the transaction's
 * other writes (see `SqlExecutor.write`), since nobody reads its result.
 */
export async function updateLockedRun(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
  options: { expectedVersion: number; now: Date },
): Promise<void> {
  if (!db.inTransaction) {
    await updateRun(db, id, patch, options);
    return;
  }
  const { sql, params } = runUpdate(db, id, patch, options);
  await db.write(sql, ...params);
}

/** Runs matching the query, least recently updated first. */
export async function listRuns(db: SqlExecutor, query: ListRunsQuery): Promise<RunRecord[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (query.status !== undefined) {
    params.push(query.status);
    where.push(`status = $${params.length}`);
  }
  if (query.workflowId !== undefined) {
    params.push(query.workflowId);
    where.push(`workflow_id = $${params.length}`);
  }
  if (query.updatedBefore !== undefined) {
    params.push(db.dialect.date(query.updatedBefore));
    where.push(`updated_at < $${params.length}`);
  }
  params.push(Math.max(0, query.limit));
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM ratchet_runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY updated_at, id LIMIT $${params.length}`,
    ...params,
  );
  // A run whose row cannot be read is left out of listings (run.reapStuck, the CLI) rather than
  // failing them for every other run; reading it by id still reports CORRUPT_ROW.
  return decodeReadable(rows, runFromRow);
}

/**
 * Moves up to `limit` `PENDING` runs (highest priority, then oldest) to `RUNNING`, skipping rows
 * others hold. With `concurrency`, runs without a key are claimed first, then runs of keys with
 * room (see {@link claimKeyedRuns}).
 */
export async function claimPendingRuns(
  db: SqlExecutor,
  { limit, now, concurrency }: ClaimPendingOptions,
): Promise<RunRecord[]> {
  const claimed = await claimWhere(
    db,
    concurrency ? "concurrency_key IS NULL" : "",
    [],
    limit,
    now,
  );
  if (concurrency && claimed.length < limit) {
    claimed.push(...(await claimKeyedRuns(db, limit - claimed.length, now, concurrency)));
  }
  return claimed.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Claims up to `limit` pending runs matching `filter` (an SQL condition over `$3…`). */
async function claimWhere(
  db: SqlExecutor,
  filter: string,
  params: readonly unknown[],
  limit: number,
  now: Date,
): Promise<RunRecord[]> {
  const d = db.dialect;
  const rows = await db.query(
    `WITH picked AS MATERIALIZED (
       SELECT id FROM ratchet_runs WHERE status = 'PENDING'${filter ? ` AND ${filter}` : ""} ORDER BY priority DESC, created_at, id LIMIT $1 ${d.skipLocked})
     UPDATE ratchet_runs SET status = 'RUNNING', version = version + 1, updated_at = $2, started_at = COALESCE(started_at, $2)
     WHERE ${d.oneOf("id", "SELECT id FROM picked")} AND (status = 'PENDING') IS TRUE
     RETURNING ${RUN_COLUMNS}`,
    limit,
    d.date(now),
    ...params,
  );
  return decodeReadable(rows, runFromRow, (row, error) =>
    failCorruptRun(db, String(row.id), error, now),
  );
}

/**
 * A claimed run whose row cannot be read (a JSON column edited by hand, a bad restore) would
 * fail every claim it came up in, and so every run behind it. It is failed instead, in the
 * claim's transaction — status `FAILED`, the `CORRUPT_ROW` error naming the column, and a
 * `workflow.failed` event — and the claim goes on with the others.
 */
async function failCorruptRun(
  db: SqlExecutor,
  runId: string,
  error: CorruptRowError,
  now: Date,
): Promise<void> {
  await endUnreadableRun(db, runId, { code: error.code, message: error.message }, now);
}

/**
 * `Persistence.failUnreadableRun`: ends a run that is not over yet as `FAILED` with `error`
 * and a `workflow.failed` event, in one transaction, touching none of its JSON columns but
 * `error` (they may be what cannot be read).
 */
export function failUnreadableRun(
  db: SqlExecutor,
  runId: string,
  error: StoredError,
  now: Date,
): Promise<boolean> {
  return db.transaction((tx) => endUnreadableRun(tx, runId, error, now));
}

async function endUnreadableRun(
  db: SqlExecutor,
  runId: string,
  error: StoredError,
  now: Date,
): Promise<boolean> {
  const d = db.dialect;
  const stored = { code: error.code, message: error.message };
  const [run] = await db.query<{ workflow_id: string; event_seq: unknown }>(
    `UPDATE ratchet_runs SET status = 'FAILED', error = $2, completed_at = $3, updated_at = $3,
       version = version + 1, event_seq = event_seq + 1
     WHERE id = $1 AND status IN ('PENDING', 'RUNNING') RETURNING workflow_id, event_seq`,
    runId,
    json(stored),
    d.date(now),
  );
  if (!run) return false;
  await db.execute(
    `INSERT INTO ratchet_outbox (id, run_id, sequence, type, payload, occurred_at, available_at, retry_count)
     VALUES ($1, $2, $3, 'workflow.failed', $4, $5, $5, 0)`,
    crypto.randomUUID(),
    runId,
    Number(run.event_seq),
    json({ workflowId: run.workflow_id, error: stored }),
    d.date(now),
  );
  return true;
}

/** How many keys with pending runs one claim looks at (the ones with the oldest, most urgent runs). */
const KEYS_PER_CLAIM = 500;

/**
 * Claims pending runs that have a concurrency key, key by key (most urgent first), each only
 * up to its workflow's limit minus the key's `RUNNING` runs. On PostgreSQL the count is taken
 * under a transaction-scoped advisory lock of the key (`pg_try_advisory_xact_lock`: a key
 * another claimer holds is skipped, not waited for), so two claimers never both see room for
 * the same slot; SQLite's writers are serialised already.
 */
async function claimKeyedRuns(
  db: SqlExecutor,
  limit: number,
  now: Date,
  limitOf: (workflowId: string) => number | undefined,
): Promise<RunRecord[]> {
  return db.transaction(async (tx) => {
    const keys = await tx.query<{ workflow_id: string; concurrency_key: string; running: unknown }>(
      `SELECT p.workflow_id, p.concurrency_key,
         (SELECT COUNT(*) FROM ratchet_runs r WHERE r.status = 'RUNNING' AND r.concurrency_key = p.concurrency_key) AS running
       FROM ratchet_runs p WHERE p.status = 'PENDING' AND p.concurrency_key IS NOT NULL
       GROUP BY p.workflow_id, p.concurrency_key
       ORDER BY MAX(p.priority) DESC, MIN(p.created_at), p.concurrency_key LIMIT $1`,
      KEYS_PER_CLAIM,
    );
    const claimed: RunRecord[] = [];
    for (const key of keys) {
      if (claimed.length >= limit) break;
      const cap = limitOf(key.workflow_id) ?? Number.POSITIVE_INFINITY;
      if (Number(key.running) >= cap) continue;
      let room = cap;
      if (tx.dialect.provider === "postgresql") {
        const [lock] = await tx.query<{ locked: boolean; running: unknown }>(
          `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`,
          key.concurrency_key,
        );
        if (!lock?.locked) continue;
      }
      const [count] = await tx.query<{ running: unknown }>(
        `SELECT COUNT(*) AS running FROM ratchet_runs WHERE status = 'RUNNING' AND concurrency_key = $1`,
        key.concurrency_key,
      );
      room = cap - Number(count?.running ?? 0);
      if (room <= 0) continue;
      const take = Math.min(room, limit - claimed.length);
      claimed.push(
        ...(await claimWhere(tx, "concurrency_key = $3", [key.concurrency_key], take, now)),
      );
    }
    return claimed;
  });
}
