/**
 * The statement `dequeue` sends: it picks up to `limit` due pending jobs (route by route when
 * the worker names its routes, see `pickQueued`), leases them in one `UPDATE … RETURNING`, and
 * on PostgreSQL returns each job's run and stages with it (`leaseWithSnapshots`).
 */
import type { DequeueOptions } from "@ratchet/kernel/adapter";
import type { Dialect } from "../sql/dialect.js";
import type { Statement } from "../sql/executor.js";
import { pickQueued, routePick } from "../sql/routes.js";
import { DEQUEUED_COLUMNS } from "./rows.js";
import { leaseWithSnapshots } from "./snapshots.js";

/**
 * A `SELECT` of the `seq` of up to `limit` due pending jobs (of `routes`, when given), in
 * dequeue order, locked and skipping jobs others hold (see `pickQueued`): the pick of `dequeue`
 * and of the completions that refill a worker's slot. Arguments are placeholders or SQL.
 */
export function pickDueJobs(
  d: Dialect,
  at: { now: string; limit: string; routes?: string; routeCount?: number },
): string {
  return pickQueued(d, {
    table: "ratchet_jobs",
    key: "seq",
    where: `status = 'PENDING' AND available_at <= ${at.now}`,
    order: "priority DESC, order_at, seq",
    indexOrder: "priority DESC, order_at, seq",
    orderColumns: "priority, order_at",
    limit: at.limit,
    ...(at.routes === undefined ? {} : { routes: at.routes, routeCount: at.routeCount }),
  });
}

/**
 * The dequeue statement for `options`: due jobs (`available_at <= now`, a filter) by highest
 * priority, then oldest run (`order_at`, see `jobOrderAt` in the kernel), then first enqueued.
 * Rows come back unordered, each with `order_at` and `seq` to order them by. Exported so tests
 * can check its plan.
 */
export function dequeueStatement(
  d: Dialect,
  { workerId, limit, leaseMs, now, routes }: DequeueOptions,
): Statement {
  const params: unknown[] = [
    workerId,
    d.date(new Date(now.getTime() + leaseMs)),
    d.date(now),
    limit,
  ];
  const pick = routes === undefined ? undefined : routePick(routes);
  if (pick !== undefined) params.push(pick.param);
  const picked = pickDueJobs(d, {
    now: "$3",
    limit: "$4",
    ...(pick === undefined ? {} : { routes: "$5", routeCount: pick.count }),
  });
  const lease = `WITH picked AS MATERIALIZED (${picked})
     UPDATE ratchet_jobs SET status = 'RUNNING', attempt = attempt + 1, locked_by = $1, locked_until = $2, updated_at = $3
     WHERE ${d.oneOf("seq", "SELECT seq FROM picked")} AND (status = 'PENDING') IS TRUE
     RETURNING ${DEQUEUED_COLUMNS}, order_at, seq`;
  return { sql: d.provider === "postgresql" ? leaseWithSnapshots(lease) : lease, params };
}
