/**
 * One command's transaction: persistence writes, outbox events with per-run sequence numbers,
 * and writes to ports that join the transaction (or run after commit when they cannot).
 */

import type { WorkflowRegistry } from "../../dsl/registry.js";
import { routeKey } from "../../dsl/versioning.js";
import { StaleVersionError } from "../../errors.js";
import type { Clock } from "../../ports/clock.js";
import type { JobPublisher, ReadyWork } from "../../ports/job-publisher.js";
import type { JobTransport } from "../../ports/job-transport.js";
import type { Persistence, PersistenceTransaction } from "../../ports/persistence/index.js";
import type { Scheduler } from "../../ports/scheduler.js";
import type { PendingEvent } from "../../ports/stage-committer.js";
import type { TransactionScope } from "../../ports/transaction.js";
import {
  isTerminalRunStatus,
  type JsonObject,
  type NewJob,
  type NewOutboxEvent,
  type RunPatch,
  type RunRecord,
  type RunStatus,
} from "../../records.js";
import { startEndHook } from "../hooks/start.js";
import type { IdGenerator } from "../ids.js";
import { RUN_TIMEOUT_COMMAND, timeoutCorrelationId } from "../run/correlation.js";

/** The transaction a handler works in. */
export interface UnitOfWork {
  tx: PersistenceTransaction;
  now: Date;
  /** Queues an outbox event for `run`; call {@link UnitOfWork.flushEvents} before updating the run. */
  event(run: RunRecord, type: string, payload: JsonObject): void;
  /** Queues an event built beforehand (see {@link pendingEvent}); numbered like `event`. */
  append(run: RunRecord, event: PendingEvent): void;
  /** Writes queued events of `run` and returns the run's new `eventSeq` (to store on the run). */
  flushEvents(run: RunRecord): Promise<number>;
  /** Enqueues jobs in the transaction, or after commit when the transport cannot join. */
  enqueue(jobs: readonly NewJob[]): Promise<void>;
  /**
   * Tells the kernel's job publisher, after the commit, of work this transaction made ready
   * (jobs enqueued through {@link UnitOfWork.enqueue} and runs made `PENDING` through
   * {@link commitRun} are told already). Nothing without a publisher.
   */
  ready(work: ReadyWork): void;
  /** Runs `fn` after a successful commit (best effort; failures are repaired by reapers). */
  afterCommit(fn: () => Promise<unknown> | unknown): void;
  /** Calls the job transport in the transaction when it joins, else after commit. */
  jobs(fn: (scope: TransactionScope | undefined) => Promise<unknown>): Promise<void>;
  /** Calls the scheduler in the transaction when it joins, else after commit. */
  schedule(fn: (scope: TransactionScope | undefined) => Promise<unknown>): Promise<void>;
  /**
   * Tidies up after `run` reached a terminal status ({@link commitRun} calls it): drops its
   * pending timeout, if its workflow has one, so no entry is left to fire for nothing — and
   * tells the telemetry after the commit (`from`: the run's status before).
   */
  runEnded(run: RunRecord, from?: RunStatus): Promise<void>;
}

/**
 * The ports and helpers a transaction needs (the registry, when given, to tidy up after runs
 * that end). Spelled out rather than picked from the kernel's internal dependencies, so the
 * public committer functions that take it name only public types.
 */
export interface TransactionDeps {
  persistence: Persistence;
  jobTransport: JobTransport;
  scheduler: Scheduler;
  clock: Clock;
  newId: IdGenerator;
  registry?: WorkflowRegistry;
  /** Told of each run that ends (after the commit), and whether it was running. */
  telemetry?: { runEnded(run: RunRecord, wasRunning: boolean): void };
  /** Told after each commit of the work it made ready (`KernelConfig.jobPublisher`). */
  jobPublisher?: JobPublisher;
}

/** An outbox event of `run`, with its id and time, to be numbered when it is written. */
export function pendingEvent(
  deps: { newId: IdGenerator },
  run: Pick<RunRecord, "workflowId"> & { parentRunId?: string | null },
  type: string,
  payload: JsonObject,
  occurredAt: Date,
): PendingEvent {
  // A child run's end names its parent: `outbox.flush` delivers it there (see child-end.ts).
  const parent =
    run.parentRunId != null && RUN_END_EVENTS.has(type) ? { parentRunId: run.parentRunId } : {};
  return {
    id: deps.newId(),
    type,
    payload: { workflowId: run.workflowId, ...payload, ...parent },
    occurredAt,
  };
}

/** The events a run's end is published as. */
export const RUN_END_EVENTS: ReadonlySet<string> = new Set([
  "workflow.completed",
  "workflow.failed",
  "workflow.cancelled",
]);

/**
 * Runs `fn` in one persistence transaction, then the after-commit work. `now` (default: the
 * clock's) is the transaction's time.
 */
export async function inTransaction<T>(
  deps: TransactionDeps,
  fn: (uow: UnitOfWork) => Promise<T>,
  now: Date = deps.clock.now(),
): Promise<T> {
  const after: Array<() => Promise<unknown> | unknown> = [];
  const publisher = deps.jobPublisher;
  const ready: ReadyWork[] = [];
  const result = await deps.persistence.withTransaction(async (tx) => {
    // A retried transaction starts again from nothing.
    ready.length = 0;
    const pending = new Map<string, { run: RunRecord; events: NewOutboxEvent[] }>();
    const uow: UnitOfWork = {
      tx,
      now,
      event(run, type, payload) {
        uow.append(run, pendingEvent(deps, run, type, payload, now));
      },
      append(run, event) {
        let entry = pending.get(run.id);
        if (!entry) {
          entry = { run, events: [] };
          pending.set(run.id, entry);
        }
        entry.events.push({
          id: event.id,
          runId: run.id,
          sequence: run.eventSeq + entry.events.length + 1,
          type: event.type,
          payload: event.payload,
          occurredAt: event.occurredAt,
        });
      },
      async flushEvents(run) {
        const entry = pending.get(run.id);
        if (!entry || entry.events.length === 0) return run.eventSeq;
        pending.delete(run.id);
        await tx.appendOutboxEvents(entry.events);
        return run.eventSeq + entry.events.length;
      },
      async enqueue(jobs) {
        if (jobs.length === 0) return;
        if (deps.jobTransport.joinsTransactions) await deps.jobTransport.enqueue(jobs, tx);
        else after.push(() => deps.jobTransport.enqueue(jobs));
        if (publisher) for (const job of jobs) if (!job.claimedBy) ready.push(readyJob(job));
      },
      ready(work) {
        if (publisher) ready.push(work);
      },
      afterCommit(fn) {
        after.push(fn);
      },
      async jobs(fn) {
        if (deps.jobTransport.joinsTransactions) await fn(tx);
        else after.push(() => fn(undefined));
      },
      async schedule(fn) {
        if (deps.scheduler.joinsTransactions) await fn(tx);
        else after.push(() => fn(undefined));
      },
      async runEnded(run, from) {
        const telemetry = deps.telemetry;
        if (telemetry) uow.afterCommit(() => telemetry.runEnded(run, from === "RUNNING"));
        // A definition this kernel lacks may have a timeout: its timer is cancelled too.
        const definition = deps.registry?.getDefinition(run);
        if (definition?.hooks) await startEndHook(uow, deps, run, definition);
        if (definition && definition.timeoutMs === undefined) return;
        await uow.schedule((scope) =>
          deps.scheduler.cancel(RUN_TIMEOUT_COMMAND, timeoutCorrelationId(run.id), scope),
        );
      },
    };
    const value = await fn(uow);
    for (const { run, events } of pending.values()) {
      if (events.length > 0) {
        throw new Error(
          `[ratchet] internal: ${events.length} outbox event(s) of run ${run.id} were never flushed`,
        );
      }
    }
    return value;
  });
  for (const fn of after) {
    try {
      await fn();
    } catch {
      // After-commit work is best effort by design: run.reapStuck re-enqueues lost jobs.
    }
  }
  if (publisher && ready.length > 0) await publishReady(publisher, ready);
  return result;
}

/** The ready-work notice of a run that became `PENDING`. */
export function pendingRun(
  run: Pick<RunRecord, "id" | "workflowId" | "workflowVersion" | "fingerprint" | "priority">,
  now: Date,
): ReadyWork {
  return {
    kind: "run",
    workflowRunId: run.id,
    route: routeKey(run),
    priority: run.priority,
    availableAt: now,
  };
}

/** The ready-work notice of a job enqueued for the queue (not leased to its enqueuer). */
export function readyJob(job: NewJob): ReadyWork {
  return {
    kind: "job",
    jobId: job.jobId,
    workflowRunId: job.workflowRunId,
    route: job.route,
    priority: job.priority,
    availableAt: job.availableAt,
  };
}

/**
 * Publishes after a commit; a rejection (or a throw) is swallowed: the database holds the work,
 * and the maintenance tick finds what a lost message would have announced.
 */
export async function publishReady(
  publisher: JobPublisher,
  work: readonly ReadyWork[],
): Promise<void> {
  try {
    await publisher.publish(work);
  } catch {
    // Best effort by design (see ports/job-publisher.ts).
  }
}

/**
 * Writes the run's queued events and `patch` to a run this transaction holds locked (claimed,
 * or read `forUpdate`), without waiting for the result where the adapter allows it
 * (`updateLockedRun`). Returns the run's `eventSeq` after the events.
 */
export async function commitLockedRun(
  uow: UnitOfWork,
  run: RunRecord,
  patch: RunPatch,
): Promise<number> {
  const eventSeq = await uow.flushEvents(run);
  const full = eventSeq === run.eventSeq ? patch : { ...patch, eventSeq };
  const options = { expectedVersion: run.version, now: uow.now };
  if (uow.tx.updateLockedRun) await uow.tx.updateLockedRun(run.id, full, options);
  else if (!(await uow.tx.updateRun(run.id, full, options)))
    throw new StaleVersionError(run.id, run.version);
  return eventSeq;
}

/**
 * Writes the run's queued events and `patch` against the version the handler read; a stale
 * version throws {@link StaleVersionError}, which rolls the whole transaction back.
 */
export async function commitRun(
  uow: UnitOfWork,
  run: RunRecord,
  patch: RunPatch,
): Promise<RunRecord> {
  const eventSeq = await uow.flushEvents(run);
  const updated = await uow.tx.updateRun(
    run.id,
    eventSeq === run.eventSeq ? patch : { ...patch, eventSeq },
    { expectedVersion: run.version, now: uow.now },
  );
  if (!updated) throw new StaleVersionError(run.id, run.version);
  if (patch.status !== undefined && isTerminalRunStatus(patch.status))
    await uow.runEnded(updated, run.status);
  if (patch.status === "PENDING" && run.status !== "PENDING")
    uow.ready(pendingRun(updated, uow.now));
  return updated;
}
