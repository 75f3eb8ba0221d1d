/**
 * Retention statements: deleting finished runs with the rows they own, in one short
 * transaction per batch, and expiring idempotency keys.
 *
 * Finding the batch reads, per final status, at most `limit` entries of the
 * `(status, completed_at)` index (or `(workflow_id, status, completed_at)`), earliest ended first,
 * and merges them: a batch costs the same with ten old runs or ten million. On PostgreSQL the
 * picked runs are then locked `FOR UPDATE SKIP LOCKED` (re-checking that they are still finished:
 * a `run.rerunFrom` may have started one again): a purge never waits for a lock and never takes
 * one on a run that has not ended. The deletes go as one statement (the executor sends held-back
 * writes together), children first.
 */
import {
  isTerminalRunStatus,
  type PurgeRunsQuery,
  type PurgeRunsResult,
  type RunStatus,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { routeAmong, routesParam } from "../sql/routes.js";
import { parseJsonOrNull } from "../sql/rows.js";

/** The condition of a run the purge may take: ended before `$2`, no undelivered event. */
function purgeable(d: SqlExecutor["dialect"], workflows: boolean): string {
  return `r.completed_at < $2${workflows ? ` AND ${routeAmong(d, "r.workflow_id", "$3")}` : ""}
    AND NOT EXISTS (SELECT 1 FROM ratchet_outbox o WHERE o.run_id = r.id AND o.published_at IS NULL AND o.dlq_at IS NULL)`;
}

/** The final statuses of `statuses` (a running run is never purged, whatever is asked). */
function finished(statuses: readonly RunStatus[]): RunStatus[] {
  return [...new Set(statuses)].filter(isTerminalRunStatus).sort();
}

/**
 * Ids of up to `limit` runs `query` selects, earliest ended first: one index range per status
 * (`status = '…'` with literal, checked statuses, so each branch is an ordered range scan).
 */
async function pick(db: SqlExecutor, query: PurgeRunsQuery, statuses: RunStatus[]) {
  const d = db.dialect;
  const workflows = query.workflowIds !== undefined;
  const branches = statuses.map(
    (status) =>
      `SELECT * FROM (SELECT r.id, r.completed_at FROM ratchet_runs r WHERE r.status = '${status}' AND ${purgeable(d, workflows)} ORDER BY r.completed_at, r.id LIMIT $1) AS s_${status.toLowerCase()}`,
  );
  // Past the database's compound-SELECT limit (D1), one scan of the statuses instead.
  const union =
    branches.length <= (d.maxCompoundSelect ?? branches.length)
      ? `SELECT id FROM (${branches.join(" UNION ALL ")}) AS picked ORDER BY completed_at, id LIMIT $1`
      : `SELECT r.id FROM ratchet_runs r WHERE r.status IN (${statuses.map((s) => `'${s}'`).join(", ")}) AND ${purgeable(d, workflows)} ORDER BY r.completed_at, r.id LIMIT $1`;
  return db.query<{ id: string }>(
    union,
    query.limit,
    d.date(query.endedBefore),
    ...(workflows ? [routesParam(query.workflowIds ?? [])] : []),
  );
}

async function countMatches(db: SqlExecutor, query: PurgeRunsQuery, statuses: RunStatus[]) {
  const d = db.dialect;
  const workflows = query.workflowIds !== undefined;
  const [row] = await db.query<{ n: unknown }>(
    `SELECT COUNT(*) AS n FROM ratchet_runs r WHERE r.status IN (${statuses.map((s) => `'${s}'`).join(", ")}) AND ${purgeable(d, workflows).replaceAll("$2", "$1").replaceAll("$3", "$2")}`,
    d.date(query.endedBefore),
    ...(workflows ? [routesParam(query.workflowIds ?? [])] : []),
  );
  return Number(row?.n ?? 0);
}

/** Blob keys of the outputs of `ids`' stages. */
async function blobKeysOf(db: SqlExecutor, ids: string): Promise<string[]> {
  const rows = await db.query<{ id: string; output_ref: unknown }>(
    `SELECT id, output_ref FROM ratchet_stages WHERE ${routeAmong(db.dialect, "run_id", "$1")} AND output_ref IS NOT NULL AND output_ref <> '{"kind":"inline"}'`,
    ids,
  );
  return rows.flatMap((row) => {
    const ref = parseJsonOrNull<{ kind: string; key?: string }>(row.output_ref, {
      table: "ratchet_stages",
      column: "output_ref",
      rowId: row.id,
    });
    return ref?.kind === "blob" && typeof ref.key === "string" ? [ref.key] : [];
  });
}

/** Deletes (or, dry, lists) the runs `query` selects with everything they own. */
export async function purgeRuns(db: SqlExecutor, query: PurgeRunsQuery): Promise<PurgeRunsResult> {
  const statuses = finished(query.statuses);
  if (statuses.length === 0 || query.workflowIds?.length === 0 || query.limit <= 0)
    return query.dryRun ? { runIds: [], blobKeys: [], matched: 0 } : { runIds: [], blobKeys: [] };
  const d = db.dialect;
  if (query.dryRun) {
    const runIds = (await pick(db, query, statuses)).map((row) => row.id);
    const blobKeys = runIds.length > 0 ? await blobKeysOf(db, routesParam(runIds)) : [];
    return { runIds, blobKeys, matched: await countMatches(db, query, statuses) };
  }
  return db.transaction(async (tx) => {
    let runIds = (await pick(tx, query, statuses)).map((row) => row.id);
    if (runIds.length === 0) return { runIds: [], blobKeys: [] };
    if (d.provider === "postgresql") {
      const locked = await tx.query<{ id: string }>(
        `SELECT id FROM ratchet_runs WHERE ${routeAmong(d, "id", "$1")} AND status IN (${statuses.map((s) => `'${s}'`).join(", ")}) AND completed_at < $2 ORDER BY completed_at, id ${d.skipLocked}`,
        routesParam(runIds),
        d.date(query.endedBefore),
      );
      runIds = locked.map((row) => row.id);
      if (runIds.length === 0) return { runIds: [], blobKeys: [] };
    }
    const ids = routesParam(runIds);
    const blobKeys = await blobKeysOf(tx, ids);
    const inRuns = (column: string) => routeAmong(d, column, "$1");
    // Signals sent to the runs, and keyed signals their stages consumed.
    await tx.write(
      `DELETE FROM ratchet_signals WHERE ${inRuns("run_id")} OR consumed_by IN (SELECT id FROM ratchet_stages WHERE ${inRuns("run_id")})`,
      ids,
    );
    await tx.write(`DELETE FROM ratchet_signal_waits WHERE ${inRuns("run_id")}`, ids);
    await tx.write(
      `DELETE FROM ratchet_idempotency_keys WHERE command_type = 'run.create' AND "key" IN (SELECT idempotency_key FROM ratchet_runs WHERE ${inRuns("id")} AND idempotency_key IS NOT NULL)`,
      ids,
    );
    await tx.write(`DELETE FROM ratchet_logs WHERE ${inRuns("run_id")}`, ids);
    // Left by a caller that died while awaiting the run's end (PostgreSQL's run-end notices).
    await tx.write(`DELETE FROM ratchet_run_waiters WHERE ${inRuns("run_id")}`, ids);
    await tx.write(`DELETE FROM ratchet_outbox WHERE ${inRuns("run_id")}`, ids);
    await tx.write(`DELETE FROM ratchet_stages WHERE ${inRuns("run_id")}`, ids);
    await tx.write(`DELETE FROM ratchet_runs WHERE ${inRuns("id")}`, ids);
    return { runIds, blobKeys };
  });
}

/** Deletes (or counts, dry) up to `limit` idempotency keys created before `createdBefore`. */
export async function purgeIdempotencyKeys(
  db: SqlExecutor,
  query: { createdBefore: Date; limit: number; dryRun?: boolean },
): Promise<number> {
  const d = db.dialect;
  const oldest = `SELECT "key", command_type FROM ratchet_idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2`;
  if (query.dryRun) {
    const rows = await db.query(oldest, d.date(query.createdBefore), query.limit);
    return rows.length;
  }
  return db.execute(
    `DELETE FROM ratchet_idempotency_keys WHERE ("key", command_type) IN (${oldest}${d.provider === "postgresql" ? ` ${d.skipLocked}` : ""})`,
    d.date(query.createdBefore),
    query.limit,
  );
}
