/**
 * Commits the result of a stage attempt — completed, suspended, or failed — in one atomic
 * step together with its events, logs, job settlement and, when the stage closes its group,
 * the run's next step. Completions go through the kernel's {@link StageCommitter} (one
 * statement on a database that offers it); suspensions and failures through a transaction.
 * Used by `job.execute` and `stage.pollSuspended`.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { CompletionRunUpdate, GroupClose, PendingEvent } from "../../ports/stage-committer.js";
import type {
  JsonObject,
  JsonValue,
  RunRecord,
  RunStatus,
  StageRecord,
  StageStatus,
  StoredError,
} from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { writeControl } from "../run/flow-control.js";
import { type ClosingFlow, finishClosedGroup, groupClose } from "../run/group-close.js";
import {
  type Continuation,
  cancelRemaining,
  failRunPatch,
  type StartedGroup,
} from "../run/progression.js";
import { commitRun, inTransaction, pendingEvent, type UnitOfWork } from "../tx/unit-of-work.js";
import type { StageReports } from "./context.js";
import type { PreparedOutput } from "./outputs.js";

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
}

/** How a commit went. */
export type CommitOutcome =
  | { kind: "committed"; run: RunRecord; started?: StartedGroup }
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
  return held;
}

/** Thrown inside a failure's transaction to roll it back: the attempt lost its job. */
class AttemptSuperseded extends Error {}

/** The attempt's step type, as `workflow.step.started` reports it (`task` for plain stages). */
export function stepTypeOf(target: Pick<AttemptTarget, "workflow" | "record">): string {
  return target.workflow.getStage(target.record.stageId)?.stage.stepType ?? "task";
}

/** Writes what the attempt reported: `workflow.step.started` (once) and its logs. */
export function writeReports(
  uow: UnitOfWork,
  run: RunRecord,
  target: AttemptTarget,
): Promise<void> {
  if (target.emitStarted) {
    uow.event(run, "workflow.step.started", {
      stageId: target.record.stageId,
      stepType: stepTypeOf(target),
      attempt: target.attempt,
      startedAt: target.startedAt.toISOString(),
    });
  }
  return target.reports.logs.length > 0
    ? uow.tx.appendLogs(target.reports.logs)
    : Promise.resolve();
}

function progressOf(target: AttemptTarget): JsonObject | undefined {
  const progress = target.reports.progress;
  if (!progress) return undefined;
  const out: JsonObject = { progress: progress.progress };
  if (progress.message !== undefined) out.message = progress.message;
  return out;
}

/** The events of a completed attempt: `workflow.step.started` (unless written already), `.completed`. */
function completionEvents(deps: KernelDeps, target: AttemptTarget, now: Date): PendingEvent[] {
  const { run, record } = target;
  // Payloads spelled out (no spreads): this runs for every stage.
  const started: PendingEvent | undefined = target.emitStarted
    ? {
        id: deps.newId(),
        type: "workflow.step.started",
        payload: {
          workflowId: run.workflowId,
          stageId: record.stageId,
          stepType: stepTypeOf(target),
          attempt: target.attempt,
          startedAt: target.startedAt.toISOString(),
        },
        occurredAt: now,
      }
    : undefined;
  const completed: PendingEvent = {
    id: deps.newId(),
    type: "workflow.step.completed",
    payload: {
      workflowId: run.workflowId,
      stageId: record.stageId,
      attempt: target.attempt,
      durationMs: now.getTime() - target.startedAt.getTime(),
    },
    occurredAt: now,
  };
  return started ? [started, completed] : [completed];
}

/**
 * Commits a completed stage and, if it closes its group, the run's next step — through the
 * kernel's stage committer, in one atomic step. When the group closes without a `close` the
 * kernel could prepare (the last group is parallel, or the run's output is invalid), the run
 * is finished by `run.transition`'s logic right after.
 */
export async function commitCompleted(
  deps: KernelDeps,
  target: AttemptTarget,
  output: PreparedOutput,
  decoded: unknown,
  continuation?: Continuation,
  flow?: ClosingFlow,
): Promise<CommitOutcome> {
  const now = deps.clock.now();
  const { record, workflow, run } = target;
  const progress = progressOf(target);
  const close: GroupClose | null = groupClose(
    deps,
    run,
    workflow,
    record,
    decoded,
    now,
    continuation,
    flow,
  );
  const runUpdate: CompletionRunUpdate = {};
  if (target.reports.metadata) runUpdate.metadata = target.reports.metadata;
  // A step alone in its group whose decision the kernel applies after the commit keeps the
  // decision in the run's control state, so a crash in between resumes the same way.
  if (flow && close === null && (workflow.groups[record.groupIndex]?.length ?? 0) === 1)
    runUpdate.control = writeControl(flow.step.decided);
  let events = completionEvents(deps, target, now);
  if (flow && flow.step.events.length > 0)
    events = events.concat(
      flow.step.events.map((e) => pendingEvent(deps, run, e.type, e.payload, now)),
    );
  const result = await deps.committer.commit({
    runId: record.runId,
    groupIndex: record.groupIndex,
    stageRecordId: record.id,
    stageId: record.stageId,
    fromStatuses: target.fromStatuses,
    attempt: target.attempt,
    output: output.inline,
    outputRef: output.ref,
    startedAt: record.startedAt ?? target.startedAt,
    ...(progress ? { progress } : {}),
    ...(target.jobId === undefined
      ? {}
      : { job: { jobId: target.jobId, attempt: target.attempt } }),
    logs: target.reports.logs,
    events,
    ...(runUpdate.metadata || runUpdate.control ? { runUpdate } : {}),
    close,
    now,
  });
  if (result.kind !== "committed") return result;
  if (result.closed && close === null) {
    const finished = await finishClosedGroup(deps, run.id);
    return { kind: "committed", run: finished ?? { ...run, ...result.run } };
  }
  const closing = result.closed && close ? close.run : undefined;
  const state = result.run;
  // Spelled out rather than spread: one shape for every run record (see in-memory/runs.ts).
  const committed: RunRecord = {
    id: run.id,
    workflowId: run.workflowId,
    status: state.status,
    version: state.version,
    priority: run.priority,
    input: run.input,
    config: run.config,
    metadata: target.reports.metadata
      ? { ...run.metadata, ...target.reports.metadata }
      : run.metadata,
    control: closing?.control ?? runUpdate.control ?? run.control,
    concurrencyKey: run.concurrencyKey,
    output: closing?.output !== undefined ? closing.output : run.output,
    error: run.error,
    currentGroup: state.currentGroup,
    groupRemaining: state.groupRemaining,
    eventSeq: state.eventSeq,
    idempotencyKey: run.idempotencyKey,
    createdAt: run.createdAt,
    updatedAt: state.updatedAt,
    startedAt: run.startedAt,
    completedAt: closing?.completedAt !== undefined ? closing.completedAt : run.completedAt,
  };
  return result.closed && close?.nextGroup
    ? {
        kind: "committed",
        run: committed,
        started: { stages: [...close.nextGroup.stages], jobs: [...close.nextGroup.jobs] },
      }
    : { kind: "committed", run: committed };
}

/** Commits a suspended async-batch stage; `stage.pollSuspended` checks it from `nextPollAt`. */
export async function commitSuspended(
  deps: KernelDeps,
  target: AttemptTarget,
  state: JsonValue,
  pollConfig: JsonObject,
  nextPollAt: Date,
): Promise<CommitOutcome> {
  return inTransaction(deps, async (uow) => {
    const locked = await lockRunFor(deps, uow, target);
    if ("outcome" in locked) return locked.outcome;
    const { run } = locked;
    const progress = progressOf(target);
    const ok = await uow.tx.updateStage(
      target.record.id,
      {
        status: "SUSPENDED",
        attempt: target.attempt,
        suspendedState: state,
        pollConfig,
        nextPollAt,
        pollLeaseUntil: null,
        startedAt: target.record.startedAt ?? target.startedAt,
        ...(progress ? { progress } : {}),
      },
      { expected: { status: target.fromStatuses }, now: uow.now },
    );
    if (!ok) {
      await settleJob(deps, uow, target, "complete");
      return { kind: "duplicate" };
    }
    await writeReports(uow, run, target);
    uow.event(run, "workflow.step.suspended", {
      stageId: target.record.stageId,
      attempt: target.attempt,
      nextPollAt: nextPollAt.toISOString(),
    });
    if (target.workflow.getStage(target.record.stageId)?.stage.stepType === "poll") {
      uow.event(run, "workflow.step.poll", {
        stageId: target.record.stageId,
        check: 1,
        done: false,
        nextCheckAt: nextPollAt.toISOString(),
      });
    }
    await settleJob(deps, uow, target, "suspend");
    const metadata = target.reports.metadata;
    return {
      kind: "committed",
      run: await commitRun(
        uow,
        run,
        metadata ? { metadata: { ...run.metadata, ...metadata } } : {},
      ),
    };
  });
}

/** A failed attempt that will be retried: when, after what delay, out of how many attempts. */
export interface RetryDecision {
  at: Date;
  delayMs: number;
  maxAttempts: number;
}

/**
 * Commits a failed attempt: with `retry` the stage goes back to `PENDING` and the job is
 * retried at `retry.at`; without, the stage and the run fail and the run's other stages are
 * cancelled.
 */
export async function commitFailed(
  deps: KernelDeps,
  target: AttemptTarget,
  error: StoredError,
  retry: RetryDecision | undefined,
): Promise<CommitOutcome> {
  const retryAt = retry?.at;
  // The job's settlement fences the failure: when the transport settles in this transaction
  // and the attempt no longer holds the job, the failure is rolled back, so an attempt handed
  // back on shutdown, a copy of an attempt that already failed, or an attempt whose lease was
  // taken over neither uses up an attempt nor schedules a second retry.
  const settleOrRollBack = async (uow: UnitOfWork, how: { error: StoredError; retryAt?: Date }) => {
    if ((await settleJob(deps, uow, target, how)) === false) throw new AttemptSuperseded();
  };
  try {
    return await inTransaction(deps, async (uow) => {
      const locked = await lockRunFor(deps, uow, target);
      if ("outcome" in locked) return locked.outcome;
      const { run } = locked;
      const { record } = target;
      const ok = await uow.tx.updateStage(
        record.id,
        retryAt
          ? {
              status: "PENDING",
              attempt: target.attempt,
              error,
              startedAt: record.startedAt ?? target.startedAt,
            }
          : {
              status: "FAILED",
              attempt: target.attempt,
              error,
              pollLeaseUntil: null,
              startedAt: record.startedAt ?? target.startedAt,
              completedAt: uow.now,
            },
        { expected: { status: target.fromStatuses }, now: uow.now },
      );
      if (!ok) {
        await settleJob(deps, uow, target, "complete");
        return { kind: "duplicate" };
      }
      await writeReports(uow, run, target);
      const errorPayload: JsonObject = { code: error.code, message: error.message };
      if (retryAt) {
        uow.event(run, "workflow.step.retry", {
          stageId: record.stageId,
          attempt: target.attempt,
          maxAttempts: retry.maxAttempts,
          delayMs: retry.delayMs,
          retryAt: retryAt.toISOString(),
          error: errorPayload,
        });
        await settleOrRollBack(uow, { error, retryAt });
        return { kind: "committed", run: await commitRun(uow, run, {}) };
      }
      uow.event(run, "workflow.step.failed", {
        stageId: record.stageId,
        attempt: target.attempt,
        attempts: target.attempt,
        error: errorPayload,
      });
      await settleOrRollBack(uow, { error });
      const others = (await uow.tx.listStages(run.id)).filter((r) => r.id !== record.id);
      await cancelRemaining(uow, deps, run.id, others);
      return { kind: "committed", run: await commitRun(uow, run, failRunPatch(uow, run, error)) };
    });
  } catch (error) {
    if (error instanceof AttemptSuperseded) return { kind: "superseded" };
    throw error;
  }
}
