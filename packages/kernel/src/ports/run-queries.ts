/**
 * Run queries port (optional, read side): what tools that show runs to people need — the CLI,
 * a dashboard, an operator's script. The kernel never calls it; commands read through
 * {@link Persistence}. Adapters offer it beside their persistence (the in-memory stack's and
 * the Prisma stacks' `queries`).
 *
 * Implementing it:
 * - `listRuns` returns runs **newest first** (`createdAt` descending, then `id` descending),
 *   filtered by status, workflow and parent run, one page at a time. `nextCursor` is `null` on
 *   the last page; passing it back returns the runs after that page's last one, so a run created
 *   while a caller pages through never repeats a run or skips an older one. Encode and decode
 *   the cursor with {@link encodeRunCursor} / {@link decodeRunCursor}.
 * - `getRun` returns the run with its stage records, ordered as `Persistence.listStages`
 *   orders them; `null` when the run does not exist.
 * - `listLogs` and `listEvents` return a run's logs (oldest first) and outbox events (in
 *   sequence), published or not.
 * - `listJobs` returns every job the run's stages ever had on the job transport, whatever its
 *   status, oldest first (in the order they were enqueued). The job
 *   transport must store its jobs where the queries read them (the in-memory and Prisma
 *   stacks do); a queries adapter over a transport it cannot read returns `[]`.
 *
 * Run `runQueriesConformance` from `@ratchet/kernel/testing` against your adapter.
 */

import { RatchetError } from "../errors.js";
import type {
  JobRecord,
  LogRecord,
  OutboxRecord,
  RunRecord,
  RunStatus,
  StageRecord,
} from "../records.js";
import type { BreakerRecord } from "./persistence/breakers.js";
import type { StartRateState } from "./persistence/flow-limits.js";

/** Filter of {@link RunQueries.listRuns}. */
export interface RunListQuery {
  /** Runs in one of these statuses only. */
  status?: RunStatus | readonly RunStatus[];
  workflowId?: string;
  /** Only the child runs this run started (runs whose `parentRunId` is it). */
  parentRunId?: string;
  /** Most runs on one page (default {@link DEFAULT_RUN_PAGE_SIZE}, at most {@link MAX_RUN_PAGE_SIZE}). */
  limit?: number;
  /** Where the previous page ended (its `nextCursor`). */
  cursor?: string;
}

/** One page of {@link RunQueries.listRuns}. */
export interface RunPage {
  runs: RunRecord[];
  /** Pass as `cursor` for the next page; `null` when there is none. */
  nextCursor: string | null;
}

/** A run with its stage records. */
export interface RunDetails {
  run: RunRecord;
  stages: StageRecord[];
}

/** Read-side queries over runs, for tools. */
export interface RunQueries {
  listRuns(query?: RunListQuery): Promise<RunPage>;
  getRun(runId: string): Promise<RunDetails | null>;
  listLogs(runId: string): Promise<LogRecord[]>;
  listEvents(runId: string): Promise<OutboxRecord[]>;
  /**
   * Every job of the run, oldest first, whatever its status. A `RUNNING` job's `lockedBy` is the
   * worker holding its lease and its `updatedAt` the last time that worker renewed it (dequeue
   * and every heartbeat set it), so `now - updatedAt` is the heartbeat's age.
   */
  listJobs(runId: string): Promise<JobRecord[]>;
  /**
   * A circuit breaker's state (`null`: never written, closed); optional — an inspection shows
   * stages waiting for a breaker only when it is offered.
   */
  getBreaker?(name: string): Promise<BreakerRecord | null>;
  /** Every circuit breaker's state, by name; optional, as `getBreaker`. */
  listBreakers?(): Promise<BreakerRecord[]>;
  /**
   * A concurrency key's start-rate state (`null`: none written); optional — an inspection
   * says a pending run waits for its key's rate limit or throttle only when it is offered.
   */
  getStartRate?(concurrencyKey: string): Promise<StartRateState | null>;
}

/** Page size of {@link RunQueries.listRuns} when the query sets none. */
export const DEFAULT_RUN_PAGE_SIZE = 50;
/** Largest page {@link RunQueries.listRuns} returns. */
export const MAX_RUN_PAGE_SIZE = 1_000;

/** Where a page of runs ended: the last run's creation time and id. */
export interface RunCursor {
  createdAt: Date;
  id: string;
}

/** The opaque cursor after `run` (for adapters building {@link RunPage.nextCursor}). */
export function encodeRunCursor(run: Pick<RunRecord, "createdAt" | "id">): string {
  return `${run.createdAt.getTime().toString(36)}.${run.id}`;
}

/**
 * The position a cursor names; throws `INVALID_QUERY` (naming the field `cursor`) for a
 * string that no {@link encodeRunCursor} produced.
 */
export function decodeRunCursor(cursor: string): RunCursor {
  const dot = cursor.indexOf(".");
  const ms = dot > 0 ? Number.parseInt(cursor.slice(0, dot), 36) : Number.NaN;
  const id = cursor.slice(dot + 1);
  if (!Number.isSafeInteger(ms) || id.length === 0 || id.length > 200) {
    throw new RatchetError(
      "INVALID_QUERY",
      `[ratchet] not a run cursor: ${JSON.stringify(cursor)}`,
      {
        field: "cursor",
      },
    );
  }
  return { createdAt: new Date(ms), id };
}

/**
 * The page size a query asks for, checked: an integer from 1 to {@link MAX_RUN_PAGE_SIZE}
 * (default {@link DEFAULT_RUN_PAGE_SIZE}); throws `INVALID_QUERY` otherwise.
 */
export function runPageSize(query: RunListQuery | undefined): number {
  const limit = query?.limit ?? DEFAULT_RUN_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RUN_PAGE_SIZE) {
    throw new RatchetError(
      "INVALID_QUERY",
      `[ratchet] limit must be an integer from 1 to ${MAX_RUN_PAGE_SIZE}, got ${String(limit)}`,
      { field: "limit" },
    );
  }
  return limit;
}

/** The statuses a query filters on, as a list (`undefined`: every status). */
export function runStatusFilter(query: RunListQuery | undefined): readonly RunStatus[] | undefined {
  const status = query?.status;
  if (status === undefined) return undefined;
  return typeof status === "string" ? [status] : status;
}
