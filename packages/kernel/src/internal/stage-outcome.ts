/**
 * Commits the result of a stage attempt — completed, suspended, or failed — in one
 * transaction together with its events, logs, job settlement and, when the stage closes its
 * group, the run's next step. Used by `job.execute` and `stage.pollSuspended`.
 */
import type { AnyWorkflow } from "../dsl/workflow.js";
import type {
  JsonObject,
  JsonValue,
  RunRecord,
  StageRecord,
  StageStatus,
  StoredError,
} from "../records.js";
import type { KernelDeps } from "./deps.js";
import type { PreparedOutput } from "./outputs.js";
import {
  advancePastGroup,
  type Continuation,
  cancelRemaining,
  failRunPatch,
  groupState,
  type StartedGroup,
} from "./progression.js";
import type { StageReports } from "./stage-context.js";
import { commitRun, inTransaction, type UnitOfWork } from "./unit-of-work.js";

/** The stage attempt whose result is being committed. */
export interface AttemptTarget {
  workflow: AnyWorkflow;
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
  /** The run ended or moved on meanwhile; the result was dropped. */
  | { kind: "stale"; run: RunRecord | null }
  /** Another delivery already settled this stage; the result was dropped. */
  | { kind: "duplicate" };

type Locked = { run: RunRecord } | { outcome: CommitOutcome };

async function lockRunFor(
  deps: KernelDeps,
  uow: UnitOfWork,
  target: AttemptTarget,
): Promise<Locked> {
  const run = await uow.tx.getRun(target.record.runId, { forUpdate: true });
  if (run?.status !== "RUNNING" || run.currentGroup !== target.record.groupIndex) {
    await settleJob(deps, uow, target, "complete");
    return { outcome: { kind: "stale", run } };
  }
  return { run };
}

async function settleJob(
  deps: KernelDeps,
  uow: UnitOfWork,
  target: AttemptTarget,
  how: "complete" | "suspend" | { error: StoredError; retryAt?: Date },
): Promise<void> {
  const { jobId, attempt } = target;
  if (jobId === undefined) return;
  const job = { jobId, attempt };
  await uow.jobs((scope) => {
    if (how === "complete") return deps.jobTransport.complete(job, uow.now, scope);
    if (how === "suspend") return deps.jobTransport.suspend(job, uow.now, scope);
    return deps.jobTransport.fail(
      job,
      how.retryAt
        ? { error: how.error, retryAt: how.retryAt, now: uow.now }
        : { error: how.error, now: uow.now },
      scope,
    );
  });
}

function writeReports(uow: UnitOfWork, run: RunRecord, target: AttemptTarget): Promise<void> {
  if (target.emitStarted) {
    uow.event(run, "workflow.step.started", {
      stageId: target.record.stageId,
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

/** Commits a completed stage and, if it closes its group, the run's next step. */
export async function commitCompleted(
  deps: KernelDeps,
  target: AttemptTarget,
  output: PreparedOutput,
  decoded: unknown,
  continuation?: Continuation,
): Promise<CommitOutcome> {
  return inTransaction(deps, async (uow) => {
    const locked = await lockRunFor(deps, uow, target);
    if ("outcome" in locked) return locked.outcome;
    const { run } = locked;
    const { record, workflow } = target;
    const progress = progressOf(target);
    const ok = await uow.tx.updateStage(
      record.id,
      {
        status: "COMPLETED",
        attempt: target.attempt,
        output: output.inline,
        outputRef: output.ref,
        error: null,
        suspendedState: null,
        nextPollAt: null,
        pollLeaseUntil: null,
        startedAt: record.startedAt ?? target.startedAt,
        completedAt: uow.now,
        ...(progress ? { progress } : {}),
      },
      { expected: { status: target.fromStatuses }, now: uow.now },
    );
    if (!ok) {
      await settleJob(deps, uow, target, "complete");
      return { kind: "duplicate" };
    }
    await writeReports(uow, run, target);
    uow.event(run, "workflow.step.completed", {
      stageId: record.stageId,
      attempt: target.attempt,
      durationMs: uow.now.getTime() - target.startedAt.getTime(),
    });
    await settleJob(deps, uow, target, "complete");

    const group = workflow.groups[record.groupIndex] ?? [];
    let advanced: Awaited<ReturnType<typeof advancePastGroup>> = { patch: {} };
    const known = new Map<string, unknown>([[record.stageId, decoded]]);
    if (group.length === 1) {
      // A single-stage group: this worker knows the run exactly, so it may continue it.
      advanced = await advancePastGroup(
        deps,
        uow,
        run,
        workflow,
        record.groupIndex,
        [{ ...record, status: "COMPLETED", outputRef: output.ref }],
        known,
        continuation,
      );
    } else {
      const records = (await uow.tx.listStages(run.id)).filter(
        (r) => r.groupIndex === record.groupIndex,
      );
      if (groupState(workflow, record.groupIndex, records) === "completed") {
        advanced = await advancePastGroup(
          deps,
          uow,
          run,
          workflow,
          record.groupIndex,
          records,
          known,
        );
      }
    }
    const committed = await commitRun(uow, run, advanced.patch);
    return advanced.started
      ? { kind: "committed", run: committed, started: advanced.started }
      : { kind: "committed", run: committed };
  });
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
    await settleJob(deps, uow, target, "suspend");
    return { kind: "committed", run: await commitRun(uow, run, {}) };
  });
}

/**
 * Commits a failed attempt: with `retryAt` the stage goes back to `PENDING` and the job is
 * retried then; without, the stage and the run fail and the run's other stages are cancelled.
 */
export async function commitFailed(
  deps: KernelDeps,
  target: AttemptTarget,
  error: StoredError,
  retryAt: Date | undefined,
): Promise<CommitOutcome> {
  return inTransaction(deps, async (uow) => {
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
        retryAt: retryAt.toISOString(),
        error: errorPayload,
      });
      await settleJob(deps, uow, target, { error, retryAt });
      return { kind: "committed", run: await commitRun(uow, run, {}) };
    }
    uow.event(run, "workflow.step.failed", {
      stageId: record.stageId,
      attempt: target.attempt,
      error: errorPayload,
    });
    await settleJob(deps, uow, target, { error });
    const others = (await uow.tx.listStages(run.id)).filter((r) => r.id !== record.id);
    await cancelRemaining(uow, deps, run.id, others);
    return { kind: "committed", run: await commitRun(uow, run, failRunPatch(uow, run, error)) };
  });
}
