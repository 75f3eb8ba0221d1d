/**
 * The refill of stage completions on PostgreSQL (see `completions-postgres.ts`): completions
 * that carry a `refill` (a worker's slot freed by the stage) also lease queued jobs in the
 * completion statement, as `dequeue` would (due `PENDING` jobs of the worker's routes, by
 * priority, run age and enqueue order, `FOR UPDATE SKIP LOCKED`): as many as their slots minus
 * the next-group jobs they claimed, committed completions only. So a freed slot gets its next
 * job in the completion's commit instead of a dequeue's commit after it. One batch refills for
 * one worker (the first completion's); others in it get none.
 */
import type {
  DequeuedJob,
  QueueRefill,
  StageCompletion,
  StageCompletionResult,
} from "@ratchet/kernel/adapter";
import { pickDueJobs } from "../job-transport/dequeue.js";
import { leasedJobsFromRows } from "../job-transport/leased.js";
import { DEQUEUED_COLUMNS } from "../job-transport/rows.js";
import { withSnapshotColumns } from "../job-transport/snapshots.js";
import { postgresDialect } from "../sql/dialect.js";
import type { SqlExecutor } from "../sql/executor.js";
import { routePick } from "../sql/routes.js";

type Row = Record<string, unknown>;

/** The refill a batch carries: the first refilling completion's, and each completion's slots in it. */
export interface BatchRefill {
  refill: QueueRefill;
  /** Per completion: its slots when it refills for `refill`'s worker, lease and routes; else 0. */
  slots: number[];
  /** The routes as the pick reads them (`routePick`), when the worker names routes. */
  routes?: { param: string; count: number };
}

/** What the statement's refill looks like: none, any route, one route, several routes. */
export type RefillShape = "none" | "any" | "one" | "many";

const sameRoutes = (a?: readonly string[], b?: readonly string[]) =>
  a === b || (a !== undefined && b !== undefined && a.join("\u0000") === b.join("\u0000"));

/** The batch's refill, or `undefined` when no completion in it asks for one. */
export function batchRefill(batch: readonly StageCompletion[]): BatchRefill | undefined {
  const refill = batch.find((c) => c.refill && c.refill.slots > 0)?.refill;
  if (!refill || refill.routes?.length === 0) return undefined;
  const slots = batch.map((c) =>
    c.refill &&
    c.refill.workerId === refill.workerId &&
    c.refill.leaseMs === refill.leaseMs &&
    sameRoutes(c.refill.routes, refill.routes)
      ? c.refill.slots
      : 0,
  );
  return refill.routes === undefined
    ? { refill, slots }
    : { refill, slots, routes: routePick(refill.routes) };
}

/** The shape of `refill`'s part of the statement. */
export function refillShape(refill: BatchRefill | undefined): RefillShape {
  if (refill === undefined) return "none";
  if (refill.routes === undefined) return "any";
  return refill.routes.count === 1 ? "one" : "many";
}

/** Next-group jobs a completion claims for its worker when it closes its group. */
export const claimedCount = (c: StageCompletion) =>
  c.close?.nextGroup?.jobs.reduce((n, job) => (job.claimedBy ? n + 1 : n), 0) ?? 0;

/**
 * The refill's CTEs for `shape` (not "none"): how many jobs the committed completions want
 * (their slots less the next-group jobs a closing one claimed), the pick, the lease, and each
 * leased job with its run's snapshot (as `leaseWithSnapshots` returns them; `seq` as text, JSON
 * has no 64-bit integers). `$8` is the refilling worker, `$9` the end of its lease, `$10` its
 * routes.
 */
export function refillCtes(shape: Exclude<RefillShape, "none">): string {
  const pick = pickDueJobs(postgresDialect, {
    now: "$2",
    limit: "(SELECT n FROM refill_want)",
    ...(shape === "any" ? {} : { routes: "$10", routeCount: shape === "one" ? 1 : 2 }),
  });
  return `,
refill_want AS MATERIALIZED (
  SELECT COALESCE(sum(GREATEST(c.refill
    - CASE WHEN k.i IS NOT NULL AND c.has_close THEN c.claimed_n ELSE 0 END, 0)), 0)::int AS n
  FROM done d JOIN c ON c.i = d.i LEFT JOIN closing k ON k.i = d.i
),
refill_picked AS MATERIALIZED (${pick}),
refilled AS (
  UPDATE ratchet_jobs SET status = 'RUNNING', attempt = attempt + 1, locked_by = $8, locked_until = $9, updated_at = $2
  WHERE seq = ANY (ARRAY(SELECT seq FROM refill_picked)) AND (status = 'PENDING') IS TRUE
  RETURNING ${DEQUEUED_COLUMNS}, order_at, seq::text AS seq
),
refill_rows AS (${withSnapshotColumns("refilled")})`;
}

/** The refill's parameters (`$8` on), for a batch written at `now`. */
export function refillParameters(refill: BatchRefill, now: Date): unknown[] {
  const lease = [refill.refill.workerId, new Date(now.getTime() + refill.refill.leaseMs)];
  return refill.routes === undefined ? lease : [...lease, refill.routes.param];
}

/**
 * Hands the jobs the statement leased (in dequeue order) to the committed completions that
 * asked, each up to its slots less the next-group jobs it claimed — the count the statement
 * leased for. Jobs left over (none, unless that count and this one disagree) are returned too.
 */
function handOut(
  batch: readonly StageCompletion[],
  results: StageCompletionResult[],
  refill: BatchRefill,
  jobs: DequeuedJob[],
): DequeuedJob[] {
  let taken = 0;
  results.forEach((result, i) => {
    const slots = refill.slots[i] ?? 0;
    if (result.kind !== "committed" || slots === 0 || taken >= jobs.length) return;
    const c = batch[i] as StageCompletion;
    const want = Math.max(0, slots - (result.closed && c.close ? claimedCount(c) : 0));
    if (want === 0) return;
    result.refilled = jobs.slice(taken, taken + want);
    taken += result.refilled.length;
  });
  return jobs.slice(taken);
}

/** Gives leased jobs nobody took back to the queue, their attempt not used up. */
async function releaseLeftovers(
  db: SqlExecutor,
  jobs: DequeuedJob[],
  workerId: string,
): Promise<void> {
  if (jobs.length === 0) return;
  await db.execute(
    `UPDATE ratchet_jobs SET status = 'PENDING', attempt = attempt - 1, locked_by = NULL, locked_until = NULL
     WHERE job_id = ANY ($1::text[]) AND status = 'RUNNING' AND locked_by = $2`,
    jobs.map((job) => job.jobId),
    workerId,
  );
}

/**
 * Decodes the jobs the statement leased (`leased`: its `refilled` column) and puts them on the
 * committed completions' results (`refilled`), giving back any left over.
 */
export async function handOutRefills(
  db: SqlExecutor,
  batch: readonly StageCompletion[],
  results: StageCompletionResult[],
  refill: BatchRefill,
  leased: unknown,
  now: Date,
): Promise<void> {
  const rows = (leased as Row[] | null | undefined) ?? [];
  if (rows.length === 0) return;
  const jobs = await leasedJobsFromRows(db, rows, now);
  await releaseLeftovers(db, handOut(batch, results, refill, jobs), refill.refill.workerId);
}
