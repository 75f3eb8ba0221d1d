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
 * What {@link pickQueued} reads for `routes`: how many distinct routes there are, and the
 * parameter — the route itself when there is one (the pick is then a plain `route = $n`, planned
 * like any single-key claim), else the JSON array of {@link routesParam}.
 */
export function routePick(routes: readonly string[]): { param: string; count: number } {
  const distinct = [...new Set(routes)];
  return {
    param: distinct.length === 1 ? (distinct[0] as string) : JSON.stringify(distinct),
    count: distinct.length,
  };
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
  /**
   * The claim order as the route index holds it (the columns after `status, route`). A route's
   * rows are read in it, so a claim stops after `limit` index entries: an order the index does
   * not end with (a tie-breaking `id`) would have the planner read and sort every waiting row of
   * the route on each claim. Ties it leaves are broken by `order` among the rows picked.
   */
  indexOrder: string;
  /** The columns `order` names, other than `key` (selected per route to sort the union). */
  orderColumns: string;
  /** The limit's placeholder, e.g. `$1`. */
  limit: string;
  /** The placeholder of the routes (see {@link routesParam}); absent: rows of any route. */
  routes?: string;
  /** How many distinct routes the parameter holds (SQLite unrolls them, one subquery each). */
  routeCount?: number;
}

/**
 * A `SELECT` of the keys of up to `limit` rows to claim, in claim order, locking them and
 * skipping rows others hold (PostgreSQL).
 *
 * - Without routes: one ordered scan (today's claim).
 * - With one route (given `routeCount: 1` and the route as the parameter): the same scan of that
 *   route's index range.
 * - With routes on PostgreSQL: per route, a `LATERAL` subquery takes its first `limit` rows
 *   (an index range scan, `FOR UPDATE SKIP LOCKED`), and the first `limit` of their union win.
 *   Up to `limit` rows per route are locked until the transaction ends, of which only `limit`
 *   are claimed; a concurrent claimer skips the others for that long, taking the next ones.
 * - With routes on SQLite (writers are serialised, there is nothing to skip): per route, a
 *   subquery reads its first `limit` rows in index order (`route = json_extract(…, '$[i]')`), and
 *   the first `limit` of their `UNION ALL` win. `route IN (…)` would read and sort every waiting
 *   row of the routes on each claim, since one index range cannot serve several routes in claim
 *   order.
 */
export function pickQueued(d: Dialect, pick: QueuedPick): string {
  if (pick.routes === undefined)
    return `SELECT ${pick.key} FROM ${pick.table} WHERE ${pick.where} ORDER BY ${pick.order} LIMIT ${pick.limit} ${d.skipLocked}`;
  // One route (the parameter is the route itself, see pickRoutesParam): one index range.
  if (pick.routeCount === 1)
    return `SELECT ${pick.key} FROM ${pick.table} WHERE ${pick.where} AND route = ${pick.routes} ORDER BY ${pick.indexOrder} LIMIT ${pick.limit} ${d.skipLocked}`;
  if (d.provider !== "postgresql") {
    const count = pick.routeCount;
    // Past the database's compound-SELECT limit (D1), one scan of the routes instead.
    if (count === undefined || count > (d.maxCompoundSelect ?? count))
      return `SELECT ${pick.key} FROM ${pick.table} WHERE ${pick.where} AND ${routeAmong(d, "route", pick.routes)} ORDER BY ${pick.order} LIMIT ${pick.limit}`;
    const each = Array.from(
      { length: count },
      (_, i) =>
        `SELECT * FROM (SELECT ${pick.key}, ${pick.orderColumns} FROM ${pick.table} WHERE ${pick.where} AND route = json_extract(${pick.routes}, '$[${i}]') ORDER BY ${pick.indexOrder} LIMIT ${pick.limit})`,
    );
    return `SELECT ${pick.key} FROM (${each.join(" UNION ALL ")}) ORDER BY ${pick.order} LIMIT ${pick.limit}`;
  }
  // The outer ORDER BY names the same columns: they resolve to the subquery's (the routes
  // relation has only `route`).
  return `SELECT q.${pick.key} FROM jsonb_array_elements_text(${pick.routes}::jsonb) AS k(route)
         CROSS JOIN LATERAL (
           SELECT ${pick.key}, ${pick.orderColumns} FROM ${pick.table}
           WHERE ${pick.where} AND route = k.route
           ORDER BY ${pick.indexOrder} LIMIT ${pick.limit} ${d.skipLocked}) q
         ORDER BY ${pick.order} LIMIT ${pick.limit}`;
}
