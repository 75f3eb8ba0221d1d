/**
 * `loadRunInspection`: reads what {@link inspectRun} needs through the read-side queries port
 * and inspects the run.
 */
import { MAX_RUN_PAGE_SIZE, type RunQueries } from "../ports/run-queries.js";
import type { RunRecord } from "../records.js";
import { stageWaitOf } from "../stage-wait.js";
import { breakerWaitsOf } from "./breaker-wait.js";
import { inspectRun } from "./inspect-run.js";
import type { ChildView, ConcurrencyView, RunInspection } from "./types.js";

/** Most child runs whose status an inspection looks up. */
const CHILDREN_LOOKED_UP = 20;

/**
 * Who holds the concurrency slots of a run waiting to be claimed: the `RUNNING` runs of its
 * workflow with its key (one page of the newest {@link MAX_RUN_PAGE_SIZE}). `null` when the run
 * has no key or is not waiting to be claimed.
 */
async function concurrencyOf(queries: RunQueries, run: RunRecord): Promise<ConcurrencyView | null> {
  if (run.concurrencyKey === null || run.status !== "PENDING") return null;
  const page = await queries.listRuns({
    status: "RUNNING",
    workflowId: run.workflowId,
    limit: MAX_RUN_PAGE_SIZE,
  });
  return {
    key: run.concurrencyKey,
    holders: page.runs.filter((r) => r.concurrencyKey === run.concurrencyKey).map((r) => r.id),
  };
}

/**
 * Reads a run, its stages, jobs and events (and, when it waits, who holds its concurrency
 * slots and the status of the child runs it waits for) and inspects it at `now`; `null` when
 * the run does not exist. Reads only: it writes nothing.
 *
 * @example
 * ```ts
 * const inspection = await loadRunInspection(stack.queries, runId, new Date());
 * if (inspection) console.log(explainRun(inspection, inspection.now).summary);
 * ```
 */
export async function loadRunInspection(
  queries: RunQueries,
  runId: string,
  now: Date,
): Promise<RunInspection | null> {
  const details = await queries.getRun(runId);
  if (!details) return null;
  const [jobs, events, concurrency] = await Promise.all([
    queries.listJobs(runId),
    queries.listEvents(runId),
    concurrencyOf(queries, details.run),
  ]);
  const waited = details.stages
    .map((stage) => ({ stageId: stage.stageId, wait: stageWaitOf(stage) }))
    .filter((s) => s.wait?.childRunId)
    .slice(0, CHILDREN_LOOKED_UP);
  const children: ChildView[] = await Promise.all(
    waited.map(async ({ stageId, wait }) => {
      const runId = wait?.childRunId as string;
      const child = await queries.getRun(runId);
      return { stageId, runId, status: child?.run.status ?? null };
    }),
  );
  const breakers = await breakerWaitsOf(queries, details, events);
  const { run } = details;
  // A pending run with a key may be waiting for its key's rate limit or throttle.
  const startRate =
    run.status === "PENDING" && run.concurrencyKey !== null && queries.getStartRate
      ? await queries.getStartRate(run.concurrencyKey)
      : null;
  return inspectRun({ ...details, jobs, events, now, concurrency, children, breakers, startRate });
}
