/**
 * The PostgreSQL run starter (`RunStarter` in `@ratchet/kernel`): claims pending runs and starts
 * them in one statement — the claim's pick and `UPDATE`, the first group's stage records and
 * jobs, the `workflow.started` events, and a wake-up when some job is left for the queue.
 * `run.claimPending` otherwise spends four round trips on it (`BEGIN`, the claim, the writes,
 * `COMMIT`). Every row is what the transactional path writes for the same ids (see the port's
 * contract); `run-starts.postgres.integration.test.ts` compares them column by column.
 */
import {
  FAIR_HORIZON_MS,
  type RunStarter,
  type RunStartRequest,
  type StartedRun,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { pickQueued, routePick } from "../sql/routes.js";
import { type CorruptRowError, decodeReadable, json } from "../sql/rows.js";
import { WAKEUP_CHANNEL, wakeupsOf } from "../sql/wakeups.js";
import { RUN_COLUMNS, runFromRow } from "./rows.js";
import { endUnreadableRun } from "./runs.js";

/** The run columns, qualified for the claim's `RETURNING`. */
const RETURNED = RUN_COLUMNS.split(", ")
  .map((column) => `r.${column}`)
  .join(", ");

/** The statement's text for a pick over `routeCount` routes (see `pickQueued`). */
function startStatement(db: SqlExecutor, routeCount: number): string {
  const picked = pickQueued(db.dialect, {
    table: "ratchet_runs",
    key: "id",
    where: "status = 'PENDING'",
    order: "priority DESC, created_at, id",
    indexOrder: "priority DESC, created_at",
    orderColumns: "priority, created_at",
    limit: "$1",
    routes: "$3",
    routeCount,
  });
  // $1 limit, $2 now, $3 routes, $4 routes' starts, $5 their stages, $6 ids, $7 ids per slot,
  // $8 worker, $9 jobs to lease, $10 lease end, $11 the fairness floor of order_at, $12 channel.
  return `WITH picked AS MATERIALIZED (${picked}),
t AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($4::jsonb) AS t(route text, n int, event_type text, event_payload text)
),
claimed AS MATERIALIZED (
  UPDATE ratchet_runs r SET status = 'RUNNING', version = r.version + 2, updated_at = $2,
    started_at = $2, current_group = 0, group_remaining = t.n, event_seq = r.event_seq + 1
  FROM t
  WHERE r.id IN (SELECT id FROM picked) AND (r.status = 'PENDING') IS TRUE AND t.route = r.route
  RETURNING ${RETURNED}, r.route, t.n, t.event_type, t.event_payload
),
slots AS MATERIALIZED (
  SELECT c.*, (row_number() OVER w - 1)::int AS slot,
    GREATEST(0, LEAST(c.n, $9::int - COALESCE(sum(c.n) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)))::int AS leased
  FROM claimed c
  WINDOW w AS (ORDER BY c.priority DESC, c.created_at, c.id)
),
st AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($5::jsonb) AS st(route text, i int, stage_id text, max_attempts int, payload text)
),
stages AS (
  INSERT INTO ratchet_stages (id, run_id, stage_id, group_index, status, attempt, created_at, updated_at, completed_at)
  SELECT ($6::text[])[s.slot * $7::int + st.i + 1], s.id, st.stage_id, 0, 'PENDING', 0, $2, $2, NULL
  FROM slots s JOIN st ON st.route = s.route
),
jobs AS (
  INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, route, stage_id, status, priority, attempt, max_attempts, payload, available_at, created_at, updated_at, locked_by, locked_until, order_at)
  SELECT ($6::text[])[s.slot * $7::int + s.n + st.i + 1], s.id, s.workflow_id, s.route, st.stage_id,
    CASE WHEN st.i < s.leased THEN 'RUNNING' ELSE 'PENDING' END, s.priority,
    CASE WHEN st.i < s.leased THEN 1 ELSE 0 END, st.max_attempts, st.payload, $2, $2, $2,
    CASE WHEN st.i < s.leased THEN $8 END, CASE WHEN st.i < s.leased THEN $10::timestamptz END,
    GREATEST(s.created_at, $11::timestamptz)
  FROM slots s JOIN st ON st.route = s.route
  RETURNING locked_by
),
events AS (
  INSERT INTO ratchet_outbox (id, run_id, sequence, type, payload, occurred_at, retry_count, available_at)
  SELECT ($6::text[])[s.slot * $7::int + 2 * s.n + 1], s.id, s.event_seq, s.event_type, s.event_payload, $2, 0, $2
  FROM slots s
)
SELECT s.*,
  CASE WHEN s.slot = 0 AND EXISTS (SELECT 1 FROM jobs WHERE locked_by IS NULL)
    THEN (SELECT pg_notify($12, 'job')::text) END AS notified
FROM slots s ORDER BY s.slot`;
}

/** What a claim sends that depends only on its routes' starts: built once per `starts`. */
interface StartsParams {
  sql: string;
  routesParam: string;
  routes: string;
  stages: string;
}

/**
 * The statement and the template parameters of `starts`, cached by the map itself: the kernel
 * hands the same map to every claim of a worker (`run-claim-started.ts`), so a claim does not
 * rebuild the statement's text and the routes' JSON each time.
 */
const PARAMS = new WeakMap<RunStartRequest["starts"], StartsParams>();

function startsParams(db: SqlExecutor, starts: RunStartRequest["starts"]): StartsParams {
  const cached = PARAMS.get(starts);
  if (cached) return cached;
  const pick = routePick([...starts.keys()]);
  const routes: unknown[] = [];
  const stages: unknown[] = [];
  for (const [route, start] of starts) {
    routes.push({
      route,
      n: start.stages.length,
      event_type: start.event.type,
      event_payload: json(start.event.payload),
    });
    start.stages.forEach((stage, i) => {
      stages.push({
        route,
        i,
        stage_id: stage.stageId,
        max_attempts: stage.maxAttempts,
        payload: json(stage.payload),
      });
    });
  }
  const params: StartsParams = {
    sql: startStatement(db, pick.count),
    routesParam: pick.param,
    routes: JSON.stringify(routes),
    stages: JSON.stringify(stages),
  };
  PARAMS.set(starts, params);
  return params;
}

/** Runs the statement for `request` (see the module comment and the port's contract). */
export async function claimAndStartRuns(
  db: SqlExecutor,
  request: RunStartRequest,
): Promise<StartedRun[]> {
  const d = db.dialect;
  const starts = startsParams(db, request.starts);
  const orderFloor = new Date(request.now.getTime() - FAIR_HORIZON_MS);
  const rows = await db.query(
    starts.sql,
    request.limit,
    d.date(request.now),
    starts.routesParam,
    starts.routes,
    starts.stages,
    request.ids,
    request.idStride,
    request.workerId,
    request.continueWith,
    d.date(request.leaseUntil),
    d.date(orderFloor),
    WAKEUP_CHANNEL,
  );
  // Other processes hear of queued jobs through pg_notify in the statement; this one now.
  if (rows.some((row) => row.notified != null)) wakeupsOf(db.database).emit("job");
  return decodeReadable(
    rows,
    (row) => ({ run: runFromRow(row), slot: Number(row.slot), leased: Number(row.leased) }),
    (row, error) => failStartedRun(db, String(row.id), error, request.now),
  );
}

/**
 * A claimed run whose row cannot be read (a JSON column edited by hand, a bad restore) was
 * started by the statement before it could be decoded: it is failed as `claimPendingRuns` fails
 * it (`CORRUPT_ROW`, a `workflow.failed` event after its `workflow.started`), and the jobs the
 * statement made for it are settled, so none is left queued or leased to a worker that was never
 * handed it.
 */
function failStartedRun(
  db: SqlExecutor,
  runId: string,
  error: CorruptRowError,
  now: Date,
): Promise<void> {
  return db.transaction(async (tx) => {
    await endUnreadableRun(tx, runId, { code: error.code, message: error.message }, now);
    await tx.execute(
      `UPDATE ratchet_jobs SET status = 'COMPLETED', locked_by = NULL, locked_until = NULL, updated_at = $2
       WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING')`,
      runId,
      db.dialect.date(now),
    );
  });
}

/** The run starter over `db` (PostgreSQL only). */
export function runStarterOver(db: SqlExecutor): RunStarter {
  return { claimAndStart: (request) => claimAndStartRuns(db, request) };
}
