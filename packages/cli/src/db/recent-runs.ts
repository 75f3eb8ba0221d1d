/**
 * The newest runs first, for `ratchet runs`: pages of the stack's `RunQueries.listRuns` until
 * `limit` runs are in hand or none are left. A page may come back short (an adapter leaves out a
 * run it cannot read) and still lead on, so one page is not always enough. A creation-time
 * window costs nothing extra: `until` starts the listing at that time (a cursor there), and
 * `since` stops it at the first older run (the list is newest first).
 */
import type { RunQueries, RunRecord, RunStatus } from "@ratchet/kernel";
import { decodeRunCursor, encodeRunCursor } from "@ratchet/kernel/adapter";
import { UsageError } from "../cli/errors.js";

/** Filter of {@link listRecentRuns}. */
export interface RecentRunsQuery {
  /** Runs in one of these statuses only. */
  status?: RunStatus | readonly RunStatus[] | undefined;
  workflowId?: string | undefined;
  /** Only the child runs this run started. */
  parentRunId?: string | undefined;
  /** Only runs created at or after this time. */
  since?: Date | undefined;
  /** Only runs created at or before this time. */
  until?: Date | undefined;
  limit: number;
  /** Start after this position (the `nextCursor` of an earlier listing). */
  cursor?: string | undefined;
}

/** Up to `limit` runs, newest first, and where the next listing starts (`null`: nothing left). */
export interface RecentRuns {
  runs: RunRecord[];
  nextCursor: string | null;
}

/** Checks a `--cursor` value before the database is opened; a malformed one is a usage error. */
export function checkCursorOption(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    decodeRunCursor(cursor);
  } catch (error) {
    throw new UsageError(`--cursor is not a run cursor: ${JSON.stringify(cursor)}`, {
      field: "--cursor",
      hint: "Pass the nextCursor printed by an earlier `ratchet runs` (--json prints it too).",
      cause: error,
    });
  }
  return cursor;
}

/** Up to `query.limit` runs, newest first, after `query.cursor` when given. */
export async function listRecentRuns(
  queries: RunQueries,
  query: RecentRunsQuery,
): Promise<RecentRuns> {
  const runs: RunRecord[] = [];
  const { since, until } = query;
  const filters = {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
    ...(query.parentRunId === undefined ? {} : { parentRunId: query.parentRunId }),
  };
  // Just after `until` in the newest-first order: the runs created at or before it come next.
  let cursor =
    query.cursor ??
    (until === undefined
      ? null
      : encodeRunCursor({ createdAt: new Date(until.getTime() + 1), id: "0" }));
  do {
    const page = await queries.listRuns({
      ...filters,
      limit: query.limit - runs.length,
      ...(cursor === null ? {} : { cursor }),
    });
    for (const run of page.runs) {
      if (since !== undefined && run.createdAt < since) return { runs, nextCursor: null };
      if (until === undefined || run.createdAt <= until) runs.push(run);
    }
    cursor = page.nextCursor;
  } while (cursor !== null && runs.length < query.limit);
  if (cursor !== null && since !== undefined) {
    // Say "more" only if the next run is still inside the window.
    const next = await queries.listRuns({ ...filters, limit: 1, cursor });
    const first = next.runs[0];
    if (first === undefined ? next.nextCursor === null : first.createdAt < since) cursor = null;
  }
  return { runs, nextCursor: cursor };
}
