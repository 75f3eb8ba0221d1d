/**
 * What committing a stage attempt's result needs, whatever the result: the attempt, how the
 * commit went, locking the run, settling the job, and the reports (events, logs) every
 * result writes. The results themselves: `commit-completed.ts`, `commit-suspended.ts`,
 * `commit-failed.ts`; each commits in one atomic step with its events, logs, job settlement
 * and, when the stage closes its group, the run's next step.
 */
import { routeKey } from "../../dsl/versioning.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { ReadyWork } from "../../ports/job-publisher.js";
import type { PendingEvent } from "../../ports/stage-committer.js";
import type {
  DequeuedJob,
  JsonObject,
  RunRecord,
  RunStatus,
  StageRecord,
  StageStatus,
  StoredError,
} from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import type { StartedGroup } from "../run/progression.js";
import type { UnitOfWork } from "../tx/unit-of-work.js";
import type { StageReports } from "./context.js";

/** The stage attempt whose result is being committed. */
export interface AttemptTarget {
  workflow: AnyWorkflow;
  /** The run as read before the attempt (its immutable fields and the version it was at). */
  run: RunRecord;
  record: StageRecord;
  attempt: number;
  /** The job to settle with the result, when the attempt ran as a job. */
  jobId?: string;
  /** Statuses the stage record may be in for the result to count (compare-and-set). */
  fromStatuses: readonly StageStatus[];
  reports: StageReports;
  startedAt: Date;
  /** Whether `workflow.step.started` still has to be written. */
  emitStarted: boolean;
  /**
   * The id of the attempt's `workflow.step.started`, chosen when it started (its live notice
   * carries it too, see `EventSink.live`); absent: a new id when it is written.
   */
  startedEventId?: string;
}

/** How a commit went. */
export type CommitOutcome =
  | {
      kind: "committed";
      run: RunRecord;
      started?: StartedGroup;
      /** Queued jobs the commit leased to the worker (see `QueueRefill`). */
      refilled?: DequeuedJob[];
      /** The closed group's records as the store read them (see `StageCompletionResult`). */
      closedGroup?: StageRecord[];
    }
  /** The run ended or moved on meanwhile; the result was dropped. `status` is the run's, if it exists. */
  | { kind: "stale"; status: RunStatus | null }
  /** Another delivery already settled this stage; the result was dropped. */
  | { kind: "duplicate" }
  /**
   * The attempt no longer holds its job (the host handed it back, or its lease was taken over
   * and another attempt runs): its failure was dropped, nothing written.
   */
  | { kind: "superseded" };

/** The run locked for an attempt's commit, or the outcome when it has moved on. */
export type Locked = { run: RunRecord } | { outcome: CommitOutcome };

/** Locks the attempt's run; when it is no longer at the stage's group, settles the job (stale). */
export async function lockRunFor(
  deps: KernelDeps,
  uow: UnitOfWork,
  target: AttemptTarget,
): Promise<Locked> {
  const run = await uow.tx.getRun(target.record.runId, { forUpdate: true });
  if (run?.status !== "RUNNING" || run.currentGroup !== target.record.groupIndex) {
    await settleJob(deps, uow, target, "complete");
    return { outcome: { kind: "stale", status: run?.status ?? null } };
  }
  return { run };
}

/**
 * Settles the attempt's job, if it ran as one, through the transaction when possible. Returns
 * whether the attempt still held its job when the transport settled it in the transaction;
 * `undefined` when there is no job or the transport settles after commit.
 */
export async function settleJob(
  deps: KernelDeps,
  uow: UnitOfWork,
  target: AttemptTarget,
  how: "complete" | "suspend" | { error: StoredError; retryAt?: Date },
): Promise<boolean | undefined> {
  const { jobId, attempt } = target;
  if (jobId === undefined) return undefined;
  const job = { jobId, attempt };
  let held: boolean | undefined;
  await uow.jobs(async (scope) => {
    const settled =
      how === "complete"
        ? await deps.jobTransport.complete(job, uow.now, scope)
        : how === "suspend"
          ? await deps.jobTransport.suspend(job, uow.now, scope)
          : await deps.jobTransport.fail(
              job,
              how.retryAt
                ? { error: how.error, retryAt: how.retryAt, now: uow.now }
                : { error: how.error, now: uow.now },
              scope,
            );
    if (scope !== undefined) held = settled;
  });
  if (typeof how === "object" && how.retryAt) uow.ready(readyRetry(target, how.retryAt));
  return held;
}

/** The ready-work notice of an attempt's job put back for a retry at `retryAt`. */
function readyRetry(target: AttemptTarget, retryAt: Date): ReadyWork {
  return {
    kind: "job",
    jobId: target.jobId as string,
    workflowRunId: target.run.id,
    route: routeKey(target.run),
    priority: target.run.priority,
    availableAt: retryAt,
  };
}

/** Thrown inside a failure's transaction to roll it back: the attempt lost its job. */
export class AttemptSuperseded extends Error {}

/** The attempt's step type, as `workflow.step.started` reports it (`task` for plain stages). */
export function stepTypeOf(target: Pick<AttemptTarget, "workflow" | "record">): string {
  return target.workflow.getStage(target.record.stageId)?.stage.stepType ?? "task";
}

/** The last time {@link isoString} formatted, and its text. */
let lastIso = { time: Number.NaN, text: "" };

/**
 * `date.toISOString()`, remembered for the last millisecond formatted: formatting costs close
 * to a microsecond, and the stages a worker starts within one millisecond share it.
 */
function isoString(date: Date): string {
  const time = date.getTime();
  if (time !== lastIso.time) lastIso = { time, text: date.toISOString() };
  return lastIso.text;
}

/**
 * The attempt's `workflow.step.started`, as written to the outbox and sent as a live notice:
 * `occurredAt` is the attempt's start, the id the attempt's `startedEventId` (else `newId()`).
 */
export function startedEvent(target: AttemptTarget, newId: () => string): PendingEvent {
  // Payload spelled out (no spreads): this runs for every stage.
  return {
    id: target.startedEventId ?? newId(),
    type: "workflow.step.started",
    payload: {
      workflowId: target.run.workflowId,
      stageId: target.record.stageId,
      stepType: stepTypeOf(target),
      attempt: target.attempt,
      startedAt: isoString(target.startedAt),
    },
    occurredAt: target.startedAt,
  };
}

/** Writes what the attempt reported: `workflow.step.started` (once) and its logs. */
export function writeReports(
  deps: { newId: () => string },
  uow: UnitOfWork,
  run: RunRecord,
  target: AttemptTarget,
): Promise<void> {
  if (target.emitStarted) uow.append(run, startedEvent(target, deps.newId));
  return target.reports.logs.length > 0
    ? uow.tx.appendLogs(target.reports.logs)
    : Promise.resolve();
}

/** The progress the attempt reported last, as stored on its stage record. */
export function progressOf(target: AttemptTarget): JsonObject | undefined {
  const progress = target.reports.progress;
  if (!progress) return undefined;
  const out: JsonObject = { progress: progress.progress };
  if (progress.message !== undefined) out.message = progress.message;
  return out;
}
