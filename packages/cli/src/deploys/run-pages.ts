/**
 * Every run matching a filter, one page of `RunQueries.listRuns` at a time (newest first), so a
 * command can go through all runs in flight without holding them in memory at once.
 */
import type { RunQueries, RunRecord, RunStatus } from "@ratchet/kernel";

/** Runs that have not ended: waiting to be claimed, or in progress. */
export const IN_FLIGHT_STATUSES: readonly RunStatus[] = ["PENDING", "RUNNING"];

/** Runs fetched per page. */
export const RUN_PAGE_SIZE = 200;

/** Filter of {@link eachRun}. */
export interface RunFilter {
  status: readonly RunStatus[];
  workflowId?: string | undefined;
  /** Runs per page (default {@link RUN_PAGE_SIZE}). */
  pageSize?: number;
}

/**
 * Yields every run matching `filter`, newest first. The cursor is the run's creation time and
 * id, which commands that rewrite runs (`run.migrate`) never change, so changing a run while
 * iterating neither repeats nor skips one; runs created meanwhile are newer and not visited.
 */
export async function* eachRun(queries: RunQueries, filter: RunFilter): AsyncGenerator<RunRecord> {
  let cursor: string | null = null;
  do {
    const page = await queries.listRuns({
      status: filter.status,
      ...(filter.workflowId === undefined ? {} : { workflowId: filter.workflowId }),
      limit: filter.pageSize ?? RUN_PAGE_SIZE,
      ...(cursor === null ? {} : { cursor }),
    });
    yield* page.runs;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
