/**
 * Stage statements.
 */
import type {
  ClaimLeaseOptions,
  JsonValue,
  NewStage,
  StageExpectation,
  StageOutputKey,
  StagePatch,
  StageRecord,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { routeAmong, routesParam } from "../sql/routes.js";
import { jsonOrNull, parseJsonOrNull, type RowSource } from "../sql/rows.js";
import { STAGE_COLUMNS, stageFromRow } from "./rows.js";

const STAGE_ROWS: RowSource = { table: "ratchet_stages", idColumn: "id", runColumn: "run_id" };

/** Inserts stage records: `PENDING`, or `SKIPPED` (completed at creation) as asked. */
export async function createStages(db: SqlExecutor, stages: readonly NewStage[]): Promise<void> {
  if (stages.length === 0) return;
  const d = db.dialect;
  const params: unknown[] = [];
  const values = stages.map((stage) => {
    params.push(stage.id, stage.runId, stage.stageId, stage.groupIndex, d.date(stage.createdAt));
    const n = params.length;
    // A SKIPPED record (a choice's untaken branch) is terminal: completed when created.
    return stage.status === "SKIPPED"
      ? `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, 'SKIPPED', 0, $${n}, $${n}, $${n})`
      : `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, 'PENDING', 0, $${n}, $${n}, NULL)`;
  });
  await db.write(
    `INSERT INTO ratchet_stages (id, run_id, stage_id, group_index, status, attempt, created_at, updated_at, completed_at) VALUES ${values.join(", ")}`,
    ...params,
  );
}

/** Every stage record of a run, by group then stage id. */
export async function listStages(db: SqlExecutor, runId: string): Promise<StageRecord[]> {
  const rows = await db.query(
    `SELECT ${STAGE_COLUMNS} FROM ratchet_stages WHERE run_id = $1 ORDER BY group_index, created_at, id`,
    runId,
  );
  return rows.map(stageFromRow);
}

/** One stage record. */
export async function getStage(
  db: SqlExecutor,
  runId: string,
  stageId: string,
): Promise<StageRecord | null> {
  const [row] = await db.query(
    `SELECT ${STAGE_COLUMNS} FROM ratchet_stages WHERE run_id = $1 AND stage_id = $2`,
    runId,
    stageId,
  );
  return row ? stageFromRow(row) : null;
}

const PATCH_COLUMNS: Array<[keyof StagePatch, string, "json" | "date" | "plain"]> = [
  ["status", "status", "plain"],
  ["attempt", "attempt", "plain"],
  ["output", "output", "json"],
  ["outputRef", "output_ref", "json"],
  ["suspendedState", "suspended_state", "json"],
  ["pollConfig", "poll_config", "json"],
  ["nextPollAt", "next_poll_at", "date"],
  ["pollLeaseUntil", "poll_lease_until", "date"],
  ["progress", "progress", "json"],
  ["error", "error", "json"],
  ["startedAt", "started_at", "date"],
  ["completedAt", "completed_at", "date"],
];

/** Applies `patch` when the record matches `expected` (compare-and-set); false otherwise. */
export async function updateStage(
  db: SqlExecutor,
  id: string,
  patch: StagePatch,
  options: { expected?: StageExpectation; now: Date },
): Promise<boolean> {
  const d = db.dialect;
  const params: unknown[] = [id, d.date(options.now)];
  const sets = ["updated_at = $2"];
  const outputRefChanged = patch.outputRef !== undefined;
  for (const [key, column, kind] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    params.push(
      kind === "json"
        ? jsonOrNull(value)
        : kind === "date"
          ? d.dateOrNull(value as Date | null)
          : value,
    );
    sets.push(`${column} = $${params.length}`);
  }
  // An output that moved out of the row (or was cleared) leaves no stale inline copy behind.
  if (outputRefChanged && patch.output === undefined && patch.outputRef?.kind !== "inline")
    sets.push("output = NULL");
  let where = "id = $1";
  const statuses = options.expected?.status;
  if (statuses !== undefined) {
    if (statuses.length === 0) return false;
    const marks = statuses.map((status) => {
      params.push(status);
      return `$${params.length}`;
    });
    where += ` AND status IN (${marks.join(", ")})`;
  }
  if (options.expected?.attempt !== undefined) {
    params.push(options.expected.attempt);
    where += ` AND attempt = $${params.length}`;
  }
  return (
    (await db.execute(`UPDATE ratchet_stages SET ${sets.join(", ")} WHERE ${where}`, ...params)) > 0
  );
}

/** Inline outputs keyed by `${runId}:${stageId}`. */
export async function getStageOutputs(
  db: SqlExecutor,
  keys: readonly StageOutputKey[],
): Promise<Map<string, JsonValue>> {
  const result = new Map<string, JsonValue>();
  if (keys.length === 0) return result;
  const params: unknown[] = [];
  const pairs = keys.map((key) => {
    params.push(key.runId, key.stageId);
    return `(run_id = $${params.length - 1} AND stage_id = $${params.length})`;
  });
  const rows = await db.query(
    `SELECT id, run_id, stage_id, output, output_ref FROM ratchet_stages WHERE (${pairs.join(" OR ")}) AND output_ref IS NOT NULL`,
    ...params,
  );
  for (const row of rows) {
    const ref = parseJsonOrNull<{ kind: string }>(row.output_ref, STAGE_ROWS, row, "output_ref");
    if (ref?.kind !== "inline") continue;
    result.set(
      `${row.run_id as string}:${row.stage_id as string}`,
      parseJsonOrNull(row.output, STAGE_ROWS, row, "output") as JsonValue,
    );
  }
  return result;
}

/** Deletes a run's stage records from `groupIndex` on (through `throughGroup`). */
export function deleteStagesFrom(
  db: SqlExecutor,
  runId: string,
  groupIndex: number,
  throughGroup?: number,
): Promise<number> {
  if (throughGroup === undefined)
    return db.execute(
      "DELETE FROM ratchet_stages WHERE run_id = $1 AND group_index >= $2",
      runId,
      groupIndex,
    );
  return db.execute(
    "DELETE FROM ratchet_stages WHERE run_id = $1 AND group_index >= $2 AND group_index <= $3",
    runId,
    groupIndex,
    throughGroup,
  );
}

/**
 * Leases due `SUSPENDED` stages to the caller until `now + leaseMs`; with `routes`, only stages
 * of runs whose route is among them (each candidate's run looked up by primary key).
 */
export async function claimSuspendedStages(
  db: SqlExecutor,
  { now, limit, leaseMs, routes }: ClaimLeaseOptions,
): Promise<StageRecord[]> {
  if (routes?.length === 0) return [];
  const d = db.dialect;
  const ofRoutes =
    routes === undefined
      ? ""
      : ` AND EXISTS (SELECT 1 FROM ratchet_runs r WHERE r.id = ratchet_stages.run_id AND ${routeAmong(d, "r.route", "$4")})`;
  const rows = await db.query(
    `WITH picked AS MATERIALIZED (
       SELECT id FROM ratchet_stages
       WHERE status = 'SUSPENDED' AND next_poll_at <= $1 AND (poll_lease_until IS NULL OR poll_lease_until <= $1)${ofRoutes}
       ORDER BY next_poll_at, id LIMIT $3 ${d.skipLocked})
     UPDATE ratchet_stages SET poll_lease_until = $2, updated_at = $1
     WHERE ${d.oneOf("id", "SELECT id FROM picked")} AND status = 'SUSPENDED'
     RETURNING ${STAGE_COLUMNS}`,
    d.date(now),
    d.date(new Date(now.getTime() + leaseMs)),
    limit,
    ...(routes === undefined ? [] : [routesParam(routes)]),
  );
  return rows
    .map(stageFromRow)
    .sort((a, b) => (a.nextPollAt?.getTime() ?? 0) - (b.nextPollAt?.getTime() ?? 0));
}
