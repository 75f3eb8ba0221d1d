/**
 * Run statements.
 */
import {
  type ListRunsQuery,
  type NewRun,
  type RunPatch,
  type RunRecord,
  routeKey,
  type StoredError,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor, Statement } from "../sql/executor.js";
import { announce } from "../sql/notify.js";
import { routeAmong, routesParam } from "../sql/routes.js";
import { booleanParam, decodeReadable, json, jsonOrNull } from "../sql/rows.js";
import { announceRunEnd } from "../sql/run-ends.js";
import { RUN_COLUMNS, runFromRow } from "./rows.js";

/**
 * Inserts a `PENDING` (or `SCHEDULED`) run at version 1, with the route key of its definition. The row is
 * exactly what was given plus fixed defaults, so the record is built here rather than read
 * back: inside a PostgreSQL transaction the insert is held back with the transaction's other
 * writes.
 */
export async function createRun(db: SqlExecutor, run: NewRun): Promise<RunRecord> {
  const d = db.dialect;
  await db.write(
    `INSERT INTO ratchet_runs (id, workflow_id, workflow_version, fingerprint, route, status, version, priority, input, config, metadata, control, concurrency_key, current_group, group_remaining, event_seq, idempotency_key, parent_run_id, created_at, updated_at)
     VALUES ($1, $2, $12, $13, $14, $15, 1, $3, $4, $5, $6, $10, $11, 0, 0, $7, $8, $16, $9, $9)`,
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
    run.workflowVersion,
    run.fingerprint,
    routeKey(run),
    run.status ?? "PENDING",
    run.parentRunId ?? null,
  );
  await announce(db, "run");
  const at = new Date(run.createdAt.getTime());
  return {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    status: run.status ?? "PENDING",
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
    parentRunId: run.parentRunId ?? null,
    waiting: false,
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

/** How a patched value is stored: JSON text (`json`: never NULL), a date, or as it is. */
type PatchKind = "json" | "jsonOrNull" | "date" | "boolean" | "plain";

const PATCH_COLUMNS: Array<[keyof RunPatch, string, PatchKind]> = [
  ["workflowVersion", "workflow_version", "plain"],
  ["fingerprint", "fingerprint", "plain"],
  ["input", "input", "json"],
  ["status", "status", "plain"],
  ["output", "output", "jsonOrNull"],
  ["error", "error", "jsonOrNull"],
  ["currentGroup", "current_group", "plain"],
  ["groupRemaining", "group_remaining", "plain"],
  ["eventSeq", "event_seq", "plain"],
  ["metadata", "metadata", "json"],
  ["control", "control", "json"],
  ["startedAt", "started_at", "date"],
  ["completedAt", "completed_at", "date"],
  ["waiting", "waiting", "boolean"],
];

/**
 * The `UPDATE` that applies `patch` (bumping version), at `expectedVersion` when given.
 *
 * `route` follows the run's definition: a patch of `workflowVersion` or `fingerprint`
 * (`run.migrate`) writes `route`, the key of the new ones (see {@link routeOfPatch}). A patch of
 * `status` rewrites the key of a run stored before versions (fingerprint `''`), which changes
 * nothing but for one that had finished when migration 0006 ran (its route is `''`) and is
 * started again (a rerun): it gets its key, its workflow id.
 */
function runUpdate(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
  options: { expectedVersion?: number; now: Date },
  route?: string,
): Statement {
  const d = db.dialect;
  const params: unknown[] = [id, d.date(options.now)];
  const sets = ["version = version + 1", "updated_at = $2"];
  for (const [key, column, kind] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    params.push(
      kind === "json"
        ? json(value)
        : kind === "jsonOrNull"
          ? jsonOrNull(value)
          : kind === "date"
            ? d.dateOrNull(value as Date | null)
            : kind === "boolean"
              ? booleanParam(d, value as boolean)
              : value,
    );
    sets.push(`${column} = $${params.length}`);
  }
  if (route !== undefined) {
    params.push(route);
    sets.push(`route = $${params.length}`);
  } else if (patch.status !== undefined) {
    sets.push(`route = ${LEGACY_ROUTE}`);
  }
  let where = "id = $1";
  if (options.expectedVersion !== undefined) {
    params.push(options.expectedVersion);
    where += ` AND version = $${params.length}`;
  }
  return { sql: `UPDATE ratchet_runs SET ${sets.join(", ")} WHERE ${where}`, params };
}

/** A run's route key as it stands (legacy runs: their workflow id), for a patch of `status`. */
const LEGACY_ROUTE = "CASE WHEN fingerprint = '' THEN workflow_id ELSE route END";

/**
 * The route key a patch of `workflowVersion`/`fingerprint` moves the run to (`routeKey` of its
 * workflow id and the new values), or `undefined` for any other patch. The key is a hash the
 * database cannot compute, so the run's workflow id is read first — one query, for migrations
 * only.
 */
async function routeOfPatch(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
): Promise<string | undefined> {
  if (patch.workflowVersion === undefined && patch.fingerprint === undefined) return undefined;
  const [row] = await db.query<{
    workflow_id: string;
    workflow_version: string;
    fingerprint: string;
  }>("SELECT workflow_id, workflow_version, fingerprint FROM ratchet_runs WHERE id = $1", id);
  if (!row) return undefined;
  return routeKey({
    workflowId: row.workflow_id,
    workflowVersion: patch.workflowVersion ?? row.workflow_version,
    fingerprint: patch.fingerprint ?? row.fingerprint,
  });
}

/** Applies `patch` (bumping version) unless the run is missing or not at `expectedVersion`. */
export async function updateRun(
  db: SqlExecutor,
  id: string,
  patch: RunPatch,
  options: { expectedVersion?: number; now: Date },
): Promise<RunRecord | null> {
  const route = await routeOfPatch(db, id, patch);
  const { sql, params } = runUpdate(db, id, patch, options, route);
  const [row] = await db.query(`${sql} RETURNING ${RUN_COLUMNS}`, ...params);
  // A run that becomes claimable (a delayed start that came due, a rerun) wakes the claimers.
  if (row && patch.status === "PENDING") await announce(db, "run");
  // A run that ended wakes its waiters in this process (elsewhere: the NOTIFY trigger, the file watch).
  if (row) announceRunEnd(db, id, patch.status);
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
  const route = await routeOfPatch(db, id, patch);
  const { sql, params } = runUpdate(db, id, patch, options, route);
  await db.write(sql, ...params);
  announceRunEnd(db, id, patch.status);
}

/** Runs matching the query (of `routes` only, when given), least recently updated first. */
export async function listRuns(db: SqlExecutor, query: ListRunsQuery): Promise<RunRecord[]> {
  if (query.routes?.length === 0) return [];
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
  if (query.routes !== undefined) {
    params.push(routesParam(query.routes));
    where.push(routeAmong(db.dialect, "route", `$${params.length}`));
  }
  if (query.waiting !== undefined) {
    params.push(booleanParam(db.dialect, query.waiting));
    where.push(`waiting = $${params.length}`);
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

/**
 * Ends a run that is not over yet as `FAILED` with `error` and a `workflow.failed` event, in the
 * caller's transaction (see {@link failUnreadableRun}); false when the run is over or missing.
 */
export async function endUnreadableRun(
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
  announceRunEnd(db, runId, "FAILED");
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
