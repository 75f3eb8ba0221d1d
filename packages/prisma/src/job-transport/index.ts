/**
 * `createPrismaJobQueue`: the `JobTransport` port as a table in the run database. It joins
 * the persistence adapter's transactions (`joinsTransactions: true`), so jobs a command
 * enqueues become visible exactly when the command commits. PostgreSQL dequeues with
 * `FOR UPDATE SKIP LOCKED`; SQLite's single writer makes the same statement safe there. Each
 * job stores its run's route key; a worker naming its routes dequeues (and claims) only jobs
 * of those, route by route through the `(status, route, priority, order_at)` index: jobs of
 * equal priority go by their run's age (`jobOrderAt`), due ones only.
 */
import type {
  JobTransport,
  NewJob,
  ReleaseStaleResult,
  TransactionScope,
} from "@ratchet/kernel/adapter";
import { jobOrderAt } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { announce } from "../sql/notify.js";
import { executorOf, type PrismaAdapterOptions } from "../sql/prisma-executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import { routeAmong, routesParam } from "../sql/routes.js";
import { decodeReadable, json } from "../sql/rows.js";
import { executorFor } from "../sql/scope.js";
import { dequeueStatement } from "./dequeue.js";
import { failUnreadableJob, leasedJobsFromRows } from "./leased.js";
import { registerJobQueue } from "./registry.js";
import { renewLeases } from "./renew.js";
import { DEQUEUED_COLUMNS, dequeuedFromRow, JOB_COLUMNS, jobFromRow } from "./rows.js";
import { attachSnapshots } from "./snapshots.js";

const INSERT_CHUNK = 500;

async function insertJobs(db: SqlExecutor, jobs: readonly NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const d = db.dialect;
  for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
    const params: unknown[] = [];
    const values = jobs.slice(start, start + INSERT_CHUNK).map((job) => {
      const at = d.date(job.availableAt);
      const claimed = job.claimedBy;
      params.push(
        job.jobId,
        job.workflowRunId,
        job.workflowId,
        job.route,
        job.stageId,
        claimed ? "RUNNING" : "PENDING",
        job.priority,
        claimed ? 1 : 0,
        job.maxAttempts,
        json(job.payload),
        at,
        claimed?.workerId ?? null,
        claimed ? d.date(claimed.leaseUntil) : null,
        d.date(jobOrderAt(job)),
      );
      const n = params.length - 14;
      const p = (i: number) => `$${n + i}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(11)}, ${p(11)}, ${p(12)}, ${p(13)}, ${p(14)})`;
    });
    await db.write(
      `INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, route, stage_id, status, priority, attempt, max_attempts, payload, available_at, created_at, updated_at, locked_by, locked_until, order_at) VALUES ${values.join(", ")}`,
      ...params,
    );
  }
  // Jobs already leased to their worker need nobody woken.
  if (jobs.some((job) => !job.claimedBy)) await announce(db, "job");
}

/** The `JobTransport` port over a shared executor (used by the stack helpers). */
export function jobQueueOver(root: SqlExecutor): JobTransport {
  return registerJobQueue(queueOver(root), root);
}

function queueOver(root: SqlExecutor): JobTransport {
  const d = root.dialect;
  const settle = async (
    scope: TransactionScope | undefined,
    jobId: string,
    attempt: number,
    set: string,
    params: unknown[],
  ): Promise<boolean> => {
    const db = executorFor(root, scope);
    const changed = await db.execute(
      `UPDATE ratchet_jobs SET ${set}, locked_by = NULL, locked_until = NULL WHERE job_id = $1 AND status = 'RUNNING' AND attempt = $2`,
      jobId,
      attempt,
      ...params,
    );
    return changed > 0;
  };

  return {
    joinsTransactions: true,
    enqueuesClaimed: true,

    enqueue: (jobs, scope) => insertJobs(executorFor(root, scope), jobs),

    async dequeue(options) {
      const { now } = options;
      if (options.routes?.length === 0) return [];
      const { sql, params } = dequeueStatement(d, options);
      const jobs = await leasedJobsFromRows(root, await root.query(sql, ...params), now);
      if (d.provider !== "postgresql") await attachSnapshots(root, jobs);
      return jobs;
    },

    async claimJob(jobId, { workerId, leaseMs, now, routes }) {
      if (routes?.length === 0) return null;
      const ofRoutes = routes === undefined ? "" : ` AND ${routeAmong(d, "route", "$5")}`;
      const [row] = await root.query(
        `UPDATE ratchet_jobs SET status = 'RUNNING', attempt = attempt + 1, locked_by = $2, locked_until = $3, updated_at = $4
         WHERE job_id = $1 AND status = 'PENDING' AND available_at <= $4${ofRoutes}
         RETURNING ${DEQUEUED_COLUMNS}`,
        jobId,
        workerId,
        d.date(new Date(now.getTime() + leaseMs)),
        d.date(now),
        ...(routes === undefined ? [] : [routesParam(routes)]),
      );
      return row ? dequeuedFromRow(row) : null;
    },

    complete: (job, now, scope) =>
      settle(scope, job.jobId, job.attempt, "status = 'COMPLETED', updated_at = $3", [d.date(now)]),
    suspend: (job, now, scope) =>
      settle(scope, job.jobId, job.attempt, "status = 'SUSPENDED', updated_at = $3", [d.date(now)]),
    fail: (job, { error, retryAt, now }, scope) =>
      retryAt
        ? settle(
            scope,
            job.jobId,
            job.attempt,
            "status = 'PENDING', available_at = $3, last_error = $4, updated_at = $5",
            [d.date(retryAt), json(error), d.date(now)],
          )
        : settle(
            scope,
            job.jobId,
            job.attempt,
            "status = 'FAILED', last_error = $3, updated_at = $4",
            [json(error), d.date(now)],
          ),

    async release(jobId, workerId, now, scope) {
      const db = executorFor(root, scope);
      const changed = await db.execute(
        `UPDATE ratchet_jobs SET status = 'PENDING', attempt = CASE WHEN attempt > 0 THEN attempt - 1 ELSE 0 END, available_at = $3, updated_at = $3, locked_by = NULL, locked_until = NULL
         WHERE job_id = $1 AND status = 'RUNNING' AND locked_by = $2`,
        jobId,
        workerId,
        d.date(now),
      );
      if (changed > 0) await announce(db, "job");
      return changed > 0;
    },

    renewLeases: (jobIds, workerId, leaseMs, now) =>
      renewLeases(root, jobIds, workerId, leaseMs, now),

    async releaseStaleLeases(now, limit, scope): Promise<ReleaseStaleResult> {
      const db = executorFor(root, scope);
      const at = d.date(now);
      const rows = await db.query(
        `WITH picked AS MATERIALIZED (
           SELECT seq FROM ratchet_jobs WHERE status = 'RUNNING' AND locked_until < $1
           ORDER BY locked_until, seq LIMIT $2 ${d.skipLocked})
         UPDATE ratchet_jobs SET
           status = CASE WHEN attempt >= max_attempts THEN 'FAILED' ELSE 'PENDING' END,
           available_at = CASE WHEN attempt >= max_attempts THEN available_at ELSE $1 END,
           last_error = '{"code":"LEASE_EXPIRED","message":"[ratchet] the job''s lease expired"}',
           locked_by = NULL, locked_until = NULL, updated_at = $1
         WHERE ${d.oneOf("seq", "SELECT seq FROM picked")} AND (status = 'RUNNING') IS TRUE
         RETURNING ${DEQUEUED_COLUMNS}, status`,
        at,
        limit,
      );
      const result: ReleaseStaleResult = { released: [], exhausted: [] };
      const jobs = await decodeReadable(
        rows,
        (row) => ({ row, job: dequeuedFromRow(row) }),
        (row, error) => failUnreadableJob(db, row, error, now),
      );
      for (const { row, job } of jobs)
        (row.status === "FAILED" ? result.exhausted : result.released).push(job);
      return result;
    },

    cancelForRun: (workflowRunId, now, scope) =>
      executorFor(root, scope).execute(
        `UPDATE ratchet_jobs SET status = 'CANCELLED', locked_by = NULL, locked_until = NULL, updated_at = $2 WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING')`,
        workflowRunId,
        d.date(now),
      ),

    purgeForRuns: (workflowRunIds, scope) =>
      workflowRunIds.length === 0
        ? Promise.resolve(0)
        : executorFor(root, scope).execute(
            `DELETE FROM ratchet_jobs WHERE ${routeAmong(d, "run_id", "$1")}`,
            routesParam(workflowRunIds),
          ),

    async activeJobsForRun(workflowRunId, scope) {
      // Through the caller's transaction when given: read after its lock of the run.
      const rows = await executorFor(root, scope).query(
        `SELECT ${JOB_COLUMNS} FROM ratchet_jobs WHERE run_id = $1 AND status IN ('PENDING', 'RUNNING') ORDER BY seq`,
        workflowRunId,
      );
      return rows.map(jobFromRow);
    },

    async getJob(jobId) {
      const [row] = await root.query(
        `SELECT ${JOB_COLUMNS} FROM ratchet_jobs WHERE job_id = $1`,
        jobId,
      );
      return row ? jobFromRow(row) : null;
    },
  };
}

/** Creates the job queue over a Prisma client (PostgreSQL or SQLite). */
export function createPrismaJobQueue(
  prisma: RawRootClient,
  options: PrismaAdapterOptions = {},
): JobTransport {
  return jobQueueOver(executorOf(prisma, options));
}
