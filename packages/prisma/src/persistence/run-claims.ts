/**
 * `claimPendingRuns`: moving pending runs to `RUNNING`, only runs of the caller's routes when
 * it names them, within concurrency limits when it gives them.
 */
import {
  afterStarts,
  type ClaimPendingOptions,
  type RunRecord,
  type RunStatus,
  type StartRate,
  type StartRateState,
  startRoom,
} from "@ratchet/kernel/adapter";
import type { Dialect } from "../sql/dialect.js";
import type { SqlExecutor, Statement } from "../sql/executor.js";
import { pickQueued, routeAmong, routePick, routesParam } from "../sql/routes.js";
import { type CorruptRowError, decodeReadable, toDate } from "../sql/rows.js";
import { RUN_COLUMNS, runFromRow } from "./rows.js";
import { endUnreadableRun } from "./runs.js";

/** What one claim statement takes (see {@link claimRunsStatement}). */
export interface RunClaim {
  limit: number;
  now: Date;
  /** A further SQL condition on the pending runs, over `$3…` (`filterParams`). */
  filter?: string;
  filterParams?: readonly unknown[];
  /** Only runs whose route is one of these (absent: any run). */
  routes?: readonly string[];
}

/**
 * The statement that claims up to `limit` pending runs (highest priority, then oldest): picks
 * them, skipping rows others hold (route by route when `routes` is given, see `pickQueued`),
 * and moves them to `RUNNING` in one `UPDATE … RETURNING`. Exported so tests can check its plan.
 */
export function claimRunsStatement(d: Dialect, claim: RunClaim): Statement {
  const params: unknown[] = [claim.limit, d.date(claim.now), ...(claim.filterParams ?? [])];
  let routes: { routes: string; routeCount: number } | undefined;
  if (claim.routes !== undefined) {
    const pick = routePick(claim.routes);
    params.push(pick.param);
    routes = { routes: `$${params.length}`, routeCount: pick.count };
  }
  const picked = pickQueued(d, {
    table: "ratchet_runs",
    key: "id",
    where: `status = 'PENDING'${claim.filter ? ` AND ${claim.filter}` : ""}`,
    order: "priority DESC, created_at, id",
    indexOrder: "priority DESC, created_at",
    orderColumns: "priority, created_at",
    limit: "$1",
    ...routes,
  });
  return {
    sql: `WITH picked AS MATERIALIZED (${picked})
     UPDATE ratchet_runs SET status = 'RUNNING', version = version + 1, updated_at = $2, started_at = COALESCE(started_at, $2)
     WHERE ${d.oneOf("id", "SELECT id FROM picked")} AND (status = 'PENDING') IS TRUE
     RETURNING ${RUN_COLUMNS}`,
    params,
  };
}

/**
 * Moves up to `limit` `PENDING` runs (highest priority, then oldest) to `RUNNING`, skipping rows
 * others hold; with `routes`, only runs whose route is among them (none for an empty list).
 * With `concurrency`, runs without a key are claimed first, then runs of keys with room (see
 * {@link claimKeyedRuns}).
 */
export async function claimPendingRuns(
  db: SqlExecutor,
  { limit, now, concurrency, rates, routes }: ClaimPendingOptions,
): Promise<RunRecord[]> {
  if (routes?.length === 0) return [];
  const claimed = await claimWhere(db, {
    limit,
    now,
    ...(concurrency ? { filter: "concurrency_key IS NULL" } : {}),
    ...(routes === undefined ? {} : { routes }),
  });
  if (concurrency && claimed.length < limit) {
    claimed.push(
      ...(await claimKeyedRuns(
        db,
        { limit: limit - claimed.length, now, routes },
        concurrency,
        rates,
      )),
    );
  }
  return claimed.sort(
    (a, b) =>
      b.priority - a.priority ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Runs {@link claimRunsStatement}; a claimed run whose row cannot be read is failed. */
async function claimWhere(db: SqlExecutor, claim: RunClaim): Promise<RunRecord[]> {
  const { sql, params } = claimRunsStatement(db.dialect, claim);
  const rows = await db.query(sql, ...params);
  return decodeReadable(rows, runFromRow, (row, error) =>
    failCorruptRun(db, String(row.id), error, claim.now),
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

/** How many keys with pending runs one claim looks at (the ones with the oldest, most urgent runs). */
const KEYS_PER_CLAIM = 500;

/**
 * Claims pending runs that have a concurrency key (of `routes`, when given), key by key (most
 * urgent first), each only up to its workflow's limit minus the key's `RUNNING` runs (of any
 * route: versions of a workflow share its keys). On PostgreSQL the count is taken under a
 * transaction-scoped advisory lock of the key (`pg_try_advisory_xact_lock`: a key another
 * claimer holds is skipped, not waited for), so two claimers never both see room for the same
 * slot; SQLite's writers are serialised already. A key whose workflow has a start rate
 * (`rates`) also needs room in its `ratchet_start_rates` row, read under the same lock and
 * written with the starts taken, in the claim's transaction.
 */
async function claimKeyedRuns(
  db: SqlExecutor,
  { limit, now, routes }: { limit: number; now: Date; routes: readonly string[] | undefined },
  limitOf: (workflowId: string) => number | undefined,
  rates: ClaimPendingOptions["rates"],
): Promise<RunRecord[]> {
  return db.transaction(async (tx) => {
    const ofRoutes = routes === undefined ? "" : ` AND ${routeAmong(tx.dialect, "p.route", "$2")}`;
    const keys = await tx.query<{ workflow_id: string; concurrency_key: string; running: unknown }>(
      `SELECT p.workflow_id, p.concurrency_key,
         (SELECT COUNT(*) FROM ratchet_runs r WHERE r.status = 'RUNNING' AND r.concurrency_key = p.concurrency_key) AS running
       FROM ratchet_runs p WHERE p.status = 'PENDING' AND p.concurrency_key IS NOT NULL${ofRoutes}
       GROUP BY p.workflow_id, p.concurrency_key
       ORDER BY MAX(p.priority) DESC, MIN(p.created_at), p.concurrency_key LIMIT $1`,
      KEYS_PER_CLAIM,
      ...(routes === undefined ? [] : [routesParam(routes)]),
    );
    const claimed: RunRecord[] = [];
    for (const key of keys) {
      if (claimed.length >= limit) break;
      const cap = limitOf(key.workflow_id) ?? Number.POSITIVE_INFINITY;
      if (Number(key.running) >= cap) continue;
      if (tx.dialect.provider === "postgresql") {
        const [lock] = await tx.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`,
          key.concurrency_key,
        );
        if (!lock?.locked) continue;
      }
      const [count] = await tx.query<{ running: unknown }>(
        `SELECT COUNT(*) AS running FROM ratchet_runs WHERE status = 'RUNNING' AND concurrency_key = $1`,
        key.concurrency_key,
      );
      let room = cap - Number(count?.running ?? 0);
      if (room <= 0) continue;
      const rate = rates?.(key.workflow_id);
      const state = rate ? await readStartRate(tx, key.concurrency_key, true) : null;
      if (rate) room = Math.min(room, startRoom(rate, state, now));
      if (room <= 0) continue;
      const runs = await claimWhere(tx, {
        limit: Math.min(room, limit - claimed.length),
        now,
        filter: "concurrency_key = $3",
        filterParams: [key.concurrency_key],
        ...(routes === undefined ? {} : { routes }),
      });
      if (rate && runs.length > 0)
        await writeStartRate(tx, key.concurrency_key, afterStarts(rate, state, now, runs.length));
      claimed.push(...runs);
    }
    return claimed;
  });
}

/**
 * A key's start-rate state, or `null`; `forUpdate` locks it until the transaction ends on
 * PostgreSQL. An unreadable `rate` (a hand edit) is left out: the claim writes it again.
 */
export async function readStartRate(
  db: SqlExecutor,
  key: string,
  forUpdate = false,
): Promise<StartRateState | null> {
  const [row] = await db.query<{ at: unknown; count: unknown; rate: unknown }>(
    `SELECT "at", "count", "rate" FROM ratchet_start_rates WHERE "key" = $1 ${forUpdate ? db.dialect.forUpdate : ""}`,
    key,
  );
  if (!row) return null;
  const state: StartRateState = { at: toDate(row.at), count: Number(row.count) };
  const rate = parseRate(row.rate);
  if (rate) state.rate = rate;
  return state;
}

function parseRate(text: unknown): StartRate | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const rate = JSON.parse(text) as StartRate;
    return typeof rate?.limit === "number" && typeof rate.periodMs === "number" ? rate : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a key's start-rate state (see {@link StartRate}). */
async function writeStartRate(db: SqlExecutor, key: string, state: StartRateState): Promise<void> {
  await db.query(
    `INSERT INTO ratchet_start_rates ("key", "at", "count", "rate") VALUES ($1, $2, $3, $4)
     ON CONFLICT ("key") DO UPDATE SET "at" = excluded."at", "count" = excluded."count", "rate" = excluded."rate"`,
    key,
    db.dialect.date(state.at),
    state.count,
    state.rate ? JSON.stringify(state.rate) : null,
  );
}

/**
 * A `PENDING`, `SCHEDULED` or `RUNNING` run with `concurrencyKey`, or `null` (see
 * `FlowLimitStore.activeRunOfKey`). On PostgreSQL it first takes the key's transaction-scoped
 * advisory lock (waiting for it), so creators of one key go one at a time.
 */
export async function activeRunOfKey(
  db: SqlExecutor,
  concurrencyKey: string,
  statuses: readonly RunStatus[] = ["PENDING", "SCHEDULED", "RUNNING"],
): Promise<RunRecord | null> {
  if (db.dialect.provider === "postgresql")
    await db.query(`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext($1))`, concurrencyKey);
  // Statuses are the kernel's own constants, not input: spelled into the statement.
  const among = statuses.map((status) => `'${status.replace(/[^A-Z_]/g, "")}'`).join(", ");
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM ratchet_runs
     WHERE status IN (${among}) AND concurrency_key = $1 LIMIT 1`,
    concurrencyKey,
  );
  const row = rows[0];
  return row ? runFromRow(row) : null;
}
