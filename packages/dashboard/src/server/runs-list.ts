/**
 * The runs list: one page of runs (newest first) filtered by status and workflow, and a search
 * by run id, or by a prefix of a run id or idempotency key among the newest runs.
 */
import type { RunListQuery, RunQueries, RunRecord, RunStatus } from "@ratchet/kernel";
import { HttpError } from "./http.js";

/** Most runs a search looks through (the largest page `listRuns` returns). */
const SEARCH_WINDOW = 1_000;

/** A run as the list shows it (no input, output or config). */
export interface RunSummary {
  id: string;
  workflowId: string;
  workflowVersion: string;
  status: RunStatus;
  idempotencyKey: string | null;
  parentRunId: string | null;
  error: RunRecord["error"];
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

/** A page of the list. */
export interface RunListView {
  runs: RunSummary[];
  nextCursor: string | null;
}

const STATUSES: readonly RunStatus[] = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "COMPENSATING",
  "COMPENSATED",
  "COMPENSATION_FAILED",
];

function summaryOf(run: RunRecord): RunSummary {
  return {
    id: run.id,
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    status: run.status,
    idempotencyKey: run.idempotencyKey,
    parentRunId: run.parentRunId,
    error: run.error,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
  };
}

/** The list query a URL's search parameters ask for (400 on a bad status or limit). */
export function listQueryOf(params: URLSearchParams): RunListQuery {
  const query: RunListQuery = {};
  const statuses = params
    .getAll("status")
    .flatMap((s) => s.split(","))
    .filter(Boolean);
  for (const status of statuses) {
    if (!STATUSES.includes(status as RunStatus))
      throw new HttpError(400, "INVALID_QUERY", `unknown status ${JSON.stringify(status)}`);
  }
  if (statuses.length > 0) query.status = statuses as RunStatus[];
  const workflow = params.get("workflow");
  if (workflow) query.workflowId = workflow;
  const cursor = params.get("cursor");
  if (cursor) query.cursor = cursor;
  const limit = params.get("limit");
  if (limit) query.limit = Number(limit);
  return query;
}

/**
 * One page of runs. With `search`: the run with that id, else the newest runs (one page of
 * at most {@link SEARCH_WINDOW}, within the filters) whose id or idempotency key starts
 * with it; no paging then.
 */
export async function loadRunList(
  queries: RunQueries,
  query: RunListQuery,
  search: string | undefined,
): Promise<RunListView> {
  const term = search?.trim();
  if (!term) {
    const page = await queries.listRuns(query);
    return { runs: page.runs.map(summaryOf), nextCursor: page.nextCursor };
  }
  const exact = await queries.getRun(term);
  if (exact) return { runs: [summaryOf(exact.run)], nextCursor: null };
  const { cursor: _cursor, ...filters } = query;
  const page = await queries.listRuns({ ...filters, limit: SEARCH_WINDOW });
  const found = page.runs.filter(
    (r) => r.id.startsWith(term) || (r.idempotencyKey?.startsWith(term) ?? false),
  );
  return { runs: found.slice(0, query.limit ?? 50).map(summaryOf), nextCursor: null };
}
