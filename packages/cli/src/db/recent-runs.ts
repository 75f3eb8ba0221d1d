/**
 * The newest runs first, for `ratchet runs`: pages of the stack's `RunQueries.listRuns` until
 * `limit` runs are in hand or none are left. A page may come back short (an adapter leaves out a
 * run it cannot read) and still lead on, so one page is not always enough.
 */
import type { RunQueries, RunRecord, RunStatus } from "@ratchet/kernel";
import { decodeRunCursor } from "@ratchet/kernel/adapter";
import { UsageError } from "../cli/errors.js";

/** Filter of {@link listRecentRuns}. */
export interface RecentRunsQuery {
  status?: RunStatus | undefined;
  workflowId?: string | undefined;
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
  let cursor = query.cursor ?? null;
  do {
    const page = await queries.listRuns({
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.workflowId === undefined ? {} : { workflowId: query.workflowId }),
      limit: query.limit - runs.length,
      ...(cursor === null ? {} : { cursor }),
    });
    runs.push(...page.runs);
    cursor = page.nextCursor;
  } while (cursor !== null && runs.length < query.limit);
  return { runs, nextCursor: cursor };
}
