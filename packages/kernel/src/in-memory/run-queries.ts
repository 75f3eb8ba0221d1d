/** In-memory {@link RunQueries}: reads committed rows of an {@link InMemoryStore}. */
import {
  decodeRunCursor,
  encodeRunCursor,
  type RunCursor,
  type RunQueries,
  runPageSize,
  runStatusFilter,
} from "../ports/run-queries.js";
import type { RunRecord } from "../records.js";
import { getBreaker, listBreakers } from "./breakers.js";
import { listJobsOfRun } from "./job-transport.js";
import { listLogs } from "./logs.js";
import { listOutboxEvents } from "./outbox.js";
import { copyRun, getRun } from "./runs.js";
import { compareIds } from "./select.js";
import { listStages } from "./stages.js";
import type { InMemoryStore } from "./store.js";

/** Newest first: `createdAt` descending, then `id` descending. */
function newestFirst(a: RunRecord, b: RunRecord): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || compareIds(b.id, a.id);
}

/** Whether `run` comes after `cursor` in newest-first order. */
function isOlderThan(run: RunRecord, cursor: RunCursor): boolean {
  const ms = run.createdAt.getTime() - cursor.createdAt.getTime();
  return ms < 0 || (ms === 0 && compareIds(run.id, cursor.id) < 0);
}

/**
 * A {@link RunQueries} over `store`.
 *
 * @example
 * ```ts
 * const { queries } = createInMemoryStack();
 * const { runs, nextCursor } = await queries.listRuns({ status: "FAILED", limit: 20 });
 * ```
 */
export function createInMemoryRunQueries(store: InMemoryStore): RunQueries {
  const read = <T>(operation: () => T): Promise<T> => store.execute(undefined, operation);
  return {
    listRuns: (query) =>
      read(() => {
        const limit = runPageSize(query);
        const statuses = runStatusFilter(query);
        const after = query?.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
        const rows: RunRecord[] = [];
        for (const row of store.runs.values()) {
          if (statuses && !statuses.includes(row.status)) continue;
          if (query?.workflowId !== undefined && row.workflowId !== query.workflowId) continue;
          if (query?.parentRunId !== undefined && row.parentRunId !== query.parentRunId) continue;
          if (after && !isOlderThan(row, after)) continue;
          rows.push(row);
        }
        rows.sort(newestFirst);
        const page = rows.slice(0, limit).map(copyRun);
        const last = page[page.length - 1];
        return {
          runs: page,
          nextCursor: rows.length > limit && last ? encodeRunCursor(last) : null,
        };
      }),
    getRun: (runId) =>
      read(() => {
        const run = getRun(store, runId);
        return run ? { run, stages: listStages(store, runId) } : null;
      }),
    listLogs: (runId) => read(() => listLogs(store, runId)),
    listEvents: (runId) => read(() => listOutboxEvents(store, runId)),
    listJobs: (runId) => read(() => listJobsOfRun(store, runId)),
    getBreaker: (name) => read(() => getBreaker(store, name)),
    listBreakers: () => read(() => listBreakers(store)),
    getStartRate: (key) =>
      read(() => {
        const state = store.startRates.get(key);
        return state ? { ...state, at: new Date(state.at) } : null;
      }),
  };
}
