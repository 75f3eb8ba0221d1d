/**
 * Route keys in SQL. Runs and jobs store the route key of their definition (`route`, see
 * `routeKey` in the kernel); workers claim and dequeue only rows of the routes they registered.
 *
 * A set of routes travels as **one** parameter, a JSON array, whatever its size: the statement
 * text stays the same for every worker (one prepared statement per connection on PostgreSQL,
 * one cached statement on SQLite).
 *
 * Picking the rows a claim takes goes route by route on PostgreSQL ({@link pickQueued}): each
 * route's rows are one range of a `(status, route, priority DESC, …)` index, already in claim
 * order, so a claim reads a few index entries per route and never the rows of other routes,
 * however many of those are waiting.
 */
import type { Dialect } from "./dialect.js";

/** A set of routes as the parameter {@link routeAmong} and {@link pickQueued} read (JSON text). */
export function routesParam(routes: readonly string[]): string {
  return JSON.stringify([...new Set(routes)]);
}

/**
 * The condition "`column` is one of the routes in `param`" (`param` a placeholder such as `$5`
 * bound to {@link routesParam}). PostgreSQL: `= ANY (ARRAY(…))`, which an index on the column
 * serves as one lookup per route; SQLite: `IN (SELECT value FROM json_each(…))`.
 */
export function routeAmong(d: Dialect, column: string, param: string): string {
  return d.provider === "postgresql"
    ? `${column} = ANY (ARRAY(SELECT jsonb_array_elements_text(${param}::jsonb)))`
    : `${column} IN (SELECT value FROM json_each(${param}))`;
}

/**
 * The route key a run's row makes, as an SQL expression over `workflow_id` and the given
 * version and fingerprint expressions (columns, or placeholders of new values): the kernel's
 * `routeKey`, i.e. the bare workflow id when the fingerprint is `''`, else
 * `workflow_id@version#fingerprint`.
 */
export function routeKeySql(version: string, fingerprint: string): string {
  return `CASE WHEN ${fingerprint} = '' THEN workflow_id ELSE workflow_id || '@' || ${version} || '#' || ${fingerprint} END`;
}

/** What {@link pickQueued} picks: rows of one table waiting to be claimed. */
export interface QueuedPick {
  /** The table, e.g. `ratchet_runs`. */
  table: string;
  /** The column the picked rows are returned by (the key the outer `UPDATE` looks them up by). */
  key: string;
  /** Which rows may be picked (without the route condition), e.g. `status = 'PENDING'`. */
  where: string;
  /** Claim order, over plain columns of the table, ending with `key` (a total order). */
  order: string;
  /** The columns `order` names, other than `key` (selected per route to sort the union). */
  orderColumns: string;
  /** The limit's placeholder, e.g. `$1`. */
  limit: string;
  /** The placeholder of the routes (see {@link routesParam}); absent: rows of any route. */
  routes?: string;
}

/**
 * A `SELECT` of the keys of up to `limit` rows to claim, in claim order, locking them and
 * skipping rows others hold (PostgreSQL).
 *
 * - Without routes: one ordered scan (today's claim).
 * - With routes on PostgreSQL: per route, a `LATERAL` subquery takes its first `limit` rows
 *   (an index range scan, `FOR UPDATE SKIP LOCKED`), and the first `limit` of their union win.
 *   Up to `limit` rows per route are locked until the transaction ends, of which only `limit`
 *   are claimed; a concurrent claimer skips the others for that long, taking the next ones.
 * - With routes on SQLite (writers are serialised, there is nothing to skip): `route IN (…)`.
 */
export function pickQueued(d: Dialect, pick: QueuedPick): string {
  if (pick.routes === undefined)
    return `SELECT ${pick.key} FROM ${pick.table} WHERE ${pick.where} ORDER BY ${pick.order} LIMIT ${pick.limit} ${d.skipLocked}`;
  if (d.provider !== "postgresql")
    return `SELECT ${pick.key} FROM ${pick.table} WHERE ${pick.where} AND ${routeAmong(d, "route", pick.routes)} ORDER BY ${pick.order} LIMIT ${pick.limit}`;
  // The outer ORDER BY names the same columns: they resolve to the subquery's (the routes
  // relation has only `route`).
  return `SELECT q.${pick.key} FROM jsonb_array_elements_text(${pick.routes}::jsonb) AS k(route)
         CROSS JOIN LATERAL (
           SELECT ${pick.key}, ${pick.orderColumns} FROM ${pick.table}
           WHERE ${pick.where} AND route = k.route
           ORDER BY ${pick.order} LIMIT ${pick.limit} ${d.skipLocked}) q
         ORDER BY ${pick.order} LIMIT ${pick.limit}`;
}
