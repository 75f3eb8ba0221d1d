/**
 * The in-memory store's own {@link RunStarter}: a claim and every write that starts the
 * claimed runs, as one synchronous operation on the store (see `ports/run-starter.ts`), like
 * its stage committer for completions. It writes what `run.claimPending`'s transactional path
 * writes through the persistence and the job transport, in the same order (so rows get the
 * same insertion order, which breaks dequeue ties), and undoes everything if anything throws.
 *
 * `createInMemoryPersistence` offers it for the store's own job transport. The simulation's
 * fault-injecting persistence offers none, so its claims go through (faulty) transactions.
 */
import { routeKey } from "../dsl/versioning.js";
import type { RunStarter, RunStartRequest, StartedRun } from "../ports/run-starter.js";
import type { NewJob, NewStage, RunRecord } from "../records.js";
import { enqueue } from "./job-transport.js";
import { appendRunEvents } from "./outbox.js";
import { claimRunRows, copyRun } from "./runs.js";
import { createStages } from "./stages.js";
import type { InMemoryStore } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** A run starter that claims and starts runs straight in `store`. */
export function inMemoryRunStarter(store: InMemoryStore): RunStarter {
  return {
    claimAndStart: (request) => store.execute(undefined, (tx) => claimAndStart(store, tx, request)),
  };
}

function claimAndStart(
  store: InMemoryStore,
  tx: StoreTransaction,
  request: RunStartRequest,
): StartedRun[] {
  const { now, starts, ids, idStride, workerId, leaseUntil } = request;
  const rows = claimRunRows(store, tx, {
    limit: request.limit,
    now,
    routes: [...starts.keys()],
  });
  let budget = request.continueWith;
  const started: StartedRun[] = [];
  for (let slot = 0; slot < rows.length; slot++) {
    const row = rows[slot] as RunRecord;
    const route = routeKey(row);
    const start = starts.get(route);
    if (start === undefined) {
      throw new Error(`[ratchet] [in-memory] internal: claimed a run of route ${route}`);
    }
    const n = start.stages.length;
    const base = slot * idStride;
    const leased = Math.min(budget, n);
    budget -= leased;
    const stages: NewStage[] = [];
    const jobs: NewJob[] = [];
    for (let i = 0; i < n; i++) {
      const stage = start.stages[i] as (typeof start.stages)[number];
      stages.push({
        id: ids[base + i] as string,
        runId: row.id,
        stageId: stage.stageId,
        groupIndex: 0,
        createdAt: now,
      });
      const job: NewJob = {
        jobId: ids[base + n + i] as string,
        workflowRunId: row.id,
        workflowId: row.workflowId,
        route,
        stageId: stage.stageId,
        priority: row.priority,
        maxAttempts: stage.maxAttempts,
        payload: stage.payload,
        availableAt: now,
        runCreatedAt: row.createdAt,
      };
      if (i < leased) job.claimedBy = { workerId, leaseUntil };
      jobs.push(job);
    }
    createStages(store, tx, stages);
    enqueue(store, tx, jobs);
    const eventSeq = appendRunEvents(store, tx, row.id, row.eventSeq, [
      {
        id: ids[base + 2 * n] as string,
        type: start.event.type,
        payload: start.event.payload,
        occurredAt: now,
      },
    ]);
    const next = startedRow(tx, row, n, eventSeq, now);
    store.runs.replace(tx, row.id, row, next);
    started.push({ run: copyRun(next), slot, leased });
  }
  return started;
}

/**
 * The claimed run `row` once started, as `updateRun` writes the transactional path's patch
 * (`currentGroup` 0, `groupRemaining`, `startedAt`, `eventSeq`): one literal.
 */
function startedRow(
  tx: StoreTransaction,
  row: RunRecord,
  groupRemaining: number,
  eventSeq: number,
  now: Date,
): RunRecord {
  return {
    id: row.id,
    workflowId: row.workflowId,
    workflowVersion: row.workflowVersion,
    fingerprint: row.fingerprint,
    status: row.status,
    version: row.version + 1,
    priority: row.priority,
    input: row.input,
    config: row.config,
    metadata: row.metadata,
    control: row.control,
    concurrencyKey: row.concurrencyKey,
    output: row.output,
    error: row.error,
    currentGroup: 0,
    groupRemaining,
    eventSeq,
    idempotencyKey: row.idempotencyKey,
    parentRunId: row.parentRunId,
    waiting: row.waiting,
    createdAt: row.createdAt,
    updatedAt: tx.date(now),
    startedAt: tx.date(now),
    completedAt: row.completedAt,
  };
}
