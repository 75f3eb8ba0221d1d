/**
 * `createPrismaRunQueries`: the read-side `RunQueries` port over the run database, for tools
 * that show runs to people (the CLI, a dashboard). Every statement runs on its own outside any
 * transaction, so it sees committed data only.
 *
 * `listRuns` pages newest first (`created_at DESC, id DESC`) by keyset: a page after a cursor
 * holds the runs with `(created_at, id) < (cursor's created_at, cursor's id)`, so runs created
 * while someone pages never shift the pages that follow. The `ratchet_runs_created_idx` index
 * serves the order; a listing of one run's children (`parentRunId`) finds them through
 * `ratchet_runs_parent_idx` instead and sorts them (a run starts few children). A run whose row
 * cannot be read (`CORRUPT_ROW`) is left out of a page rather than failing it for every other
 * run, as `Persistence.listRuns` does, so a page may hold fewer runs than its limit (even none)
 * and still have a `nextCursor`; `getRun` of such a run reports the error.
 */
import {
  decodeRunCursor,
  encodeRunCursor,
  type RunListQuery,
  type RunPage,
  type RunQueries,
  runPageSize,
  runStatusFilter,
} from "@ratchet/kernel/adapter";
import { JOB_COLUMNS, jobFromRow } from "../job-transport/rows.js";
import { getBreaker, listBreakers } from "../persistence/breakers.js";
import { listLogs } from "../persistence/logs.js";
import { listOutboxEvents } from "../persistence/outbox.js";
import { RUN_COLUMNS, runFromRow } from "../persistence/rows.js";
import { readStartRate } from "../persistence/run-claims.js";
import { getRunWithStages } from "../persistence/run-with-stages.js";
import type { SqlExecutor } from "../sql/executor.js";
import { executorOf, type PrismaAdapterOptions } from "../sql/prisma-executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import { decodeReadable, toDate } from "../sql/rows.js";

/** One page of runs, newest first (see the module comment). */
async function listRuns(db: SqlExecutor, query: RunListQuery | undefined): Promise<RunPage> {
  const limit = runPageSize(query);
  const statuses = runStatusFilter(query);
  const after = query?.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
  if (statuses?.length === 0) return { runs: [], nextCursor: null };
  const params: unknown[] = [];
  const where: string[] = [];
  if (statuses) {
    const marks = statuses.map((status) => {
      params.push(status);
      return `$${params.length}`;
    });
    where.push(`status IN (${marks.join(", ")})`);
  }
  if (query?.workflowId !== undefined) {
    params.push(query.workflowId);
    where.push(`workflow_id = $${params.length}`);
  }
  if (query?.parentRunId !== undefined) {
    params.push(query.parentRunId);
    where.push(`parent_run_id = $${params.length}`);
  }
  if (after) {
    params.push(db.dialect.date(after.createdAt), after.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  // One row more than the page: whether a next page exists, without a second statement.
  params.push(limit + 1);
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM ratchet_runs${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    ...params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    runs: await decodeReadable(page, runFromRow),
    // From the page's last row even when it could not be decoded: the next page starts after it.
    nextCursor:
      rows.length > limit && last
        ? encodeRunCursor({ createdAt: toDate(last.created_at), id: String(last.id) })
        : null,
  };
}

/** The `RunQueries` port over a shared executor (used by the stack helpers). */
export function runQueriesOver(db: SqlExecutor): RunQueries {
  return {
    listRuns: (query) => listRuns(db, query),
    getRun: (runId) => getRunWithStages(db, runId),
    listLogs: (runId) => listLogs(db, runId),
    listEvents: (runId) => listOutboxEvents(db, runId),
    getBreaker: (name) => getBreaker(db, name),
    listBreakers: () => listBreakers(db),
    getStartRate: (key) => readStartRate(db, key),
    listJobs: async (runId) =>
      // `seq` is the enqueue order (ratchet_jobs_run_idx finds the run's rows).
      (
        await db.query(
          `SELECT ${JOB_COLUMNS} FROM ratchet_jobs WHERE run_id = $1 ORDER BY seq`,
          runId,
        )
      ).map(jobFromRow),
  };
}

/**
 * Creates the `RunQueries` port over a Prisma client (PostgreSQL or SQLite). The database must
 * be migrated (`migrate(prisma)`).
 *
 * @example
 * ```ts
 * const queries = createPrismaRunQueries(prisma);
 * const { runs, nextCursor } = await queries.listRuns({ status: "FAILED", limit: 20 });
 * ```
 */
export function createPrismaRunQueries(
  prisma: RawRootClient,
  options: PrismaAdapterOptions = {},
): RunQueries {
  return runQueriesOver(executorOf(prisma, options));
}
