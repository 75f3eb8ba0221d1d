/**
 * `job.execute`: runs one stage attempt and commits its result in one transaction.
 *
 * Reads (outside any transaction): the run and its stage records — one call each — plus
 * earlier outputs the kernel's cache does not hold. Writes: one transaction with the stage's
 * result, its events and logs, the job's settlement and, when the stage closes its group, the
 * next group's jobs or the run's completion.
 */
import { decodeValue, encodeValue } from "../codec.js";
import type { ProgressUpdate } from "../dsl/context.js";
import { isRoute, isSleep } from "../dsl/flow.js";
import { retriesError, retryDelayMs } from "../dsl/retry-policy.js";
import { isSuspendResult, type PollConfig } from "../dsl/stage.js";
import type { AnyWorkflow } from "../dsl/workflow.js";
import { NonRetryableError, RatchetError, toStoredError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { inputGroupOf } from "../internal/run/flow-control.js";
import type { ClosingFlow } from "../internal/run/group-close.js";
import type { StartedGroup } from "../internal/run/progression.js";
import { nextStep } from "../internal/run/routing.js";
import { StageAbort } from "../internal/stage/abort.js";
import { createStageContext } from "../internal/stage/context.js";
import {
  type AttemptTarget,
  type CommitOutcome,
  commitCompleted,
  commitFailed,
  commitSuspended,
  type RetryDecision,
  stepTypeOf,
} from "../internal/stage/outcome.js";
import { cacheOutput, loadOutputs, prepareOutput } from "../internal/stage/outputs.js";
import { retryPolicyOf } from "../internal/stage/retry.js";
import { settleSleep } from "../internal/stage/sleep.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import { zodIssues } from "../internal/values/zod-issues.js";
import {
  type DequeuedJob,
  type JsonObject,
  newStageRecord,
  type RunRecord,
  type StageRecord,
  type StoredError,
} from "../records.js";
import type { JobExecuteCommand, JobExecuteResult } from "./types.js";

/** Handles `job.execute`. */
export async function jobExecute(
  command: JobExecuteCommand,
  deps: KernelDeps,
): Promise<JobExecuteResult> {
  const { job } = command;
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  const workflow = deps.registry.getWorkflow(job.workflowId);
  const entry = workflow?.getStage(job.stageId);
  let loaded: Awaited<ReturnType<typeof loadRun>>;
  try {
    loaded = await loadRun(deps, job.snapshot, job.workflowRunId);
  } catch (error) {
    if (!isUnreadable(deps, error)) throw error;
    return failUnreadableRun(deps, job, error, ids);
  }
  const { run, records } = loaded;

  if (!run) {
    await deps.jobTransport.fail(job, {
      error: {
        code: "RUN_NOT_FOUND",
        message: `[ratchet] run ${job.workflowRunId} does not exist`,
      },
      now: deps.clock.now(),
    });
    return { outcome: "skipped", ...ids, reason: "run not found" };
  }
  if (run.status !== "RUNNING") {
    await deps.jobTransport.complete(job, deps.clock.now());
    return run.status === "CANCELLED"
      ? { outcome: "cancelled", ...ids }
      : { outcome: "skipped", ...ids, reason: `run is ${run.status}` };
  }
  const record = records.find((r) => r.stageId === job.stageId);
  if (
    !record ||
    (record.status !== "PENDING" && record.status !== "RUNNING") ||
    run.currentGroup !== record.groupIndex
  ) {
    await deps.jobTransport.complete(job, deps.clock.now());
    return {
      outcome: "skipped",
      ...ids,
      reason: record ? `stage is ${record.status}` : "stage record not found",
    };
  }
  if (record.status === "PENDING" && record.error !== null && record.attempt >= job.attempt) {
    // A second delivery of an attempt whose failure is committed: the job is waiting for its
    // retry (its next attempt is `record.attempt + 1`). Running it now would skip the back-off;
    // the job itself belongs to the retry, so it is left alone.
    return {
      outcome: "skipped",
      ...ids,
      reason: `attempt ${job.attempt} already ended; the stage waits for attempt ${record.attempt + 1}`,
    };
  }
  if (!workflow || !entry) {
    const error: StoredError = {
      code: workflow ? "STAGE_NOT_FOUND" : "WORKFLOW_NOT_FOUND",
      message: workflow
        ? `[ratchet] workflow "${job.workflowId}" has no stage "${job.stageId}" on worker ${command.workerId}`
        : `[ratchet] workflow "${job.workflowId}" is not registered on worker ${command.workerId}`,
      stageId: job.stageId,
    };
    return settleFailure(
      deps,
      job,
      targetFor(job, workflowStub(job.workflowId), run, record, deps.clock.now()),
      error,
      true,
    );
  }

  const startedAt = deps.clock.now();
  const target = targetFor(job, workflow, run, record, startedAt);
  const abort = new StageAbort(command.signal);
  const unregister = deps.inFlight.register(run.id, job.jobId, abort);
  const progress = progressWriter(deps, target);
  try {
    // The group whose output is the input: the one before, or where a jump came from.
    const fromGroup = workflow.branching
      ? inputGroupOf(run.control, record.groupIndex)
      : record.groupIndex - 1;
    const earlier = records.filter(
      (r) =>
        (r.groupIndex < record.groupIndex || r.groupIndex === fromGroup) &&
        r.status === "COMPLETED",
    );
    let outputs: Awaited<ReturnType<typeof loadOutputs>>;
    try {
      outputs = await loadOutputs(deps, deps.persistence, earlier);
    } catch (error) {
      if (!isUnreadable(deps, error)) throw error;
      return failUnreadableRun(deps, job, error, ids);
    }
    const { ctx, reports } = createStageContext(deps, {
      workflowId: workflow.id,
      workflowRunId: run.id,
      stageId: job.stageId,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      input: stageInput(workflow, run, fromGroup, outputs),
      config: decodeValue((run.config as JsonObject)[job.stageId] ?? {}),
      outputs,
      metadata: decodeValue<Record<string, unknown>>(run.metadata),
      runInput: run.input,
      abort,
      onProgress: progress.report,
    });
    target.reports = reports;

    let result: unknown;
    try {
      const parsedInput = entry.stage.schemas.input.safeParse(ctx.input);
      if (!parsedInput.success) {
        const issues = zodIssues(parsedInput.error, "input");
        throw new NonRetryableError(
          `[ratchet] input of stage "${job.stageId}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
          { code: "STAGE_INPUT_INVALID", ...ids },
        );
      }
      ctx.input = parsedInput.data;
      result = await entry.stage.execute(ctx);
      if (abort.aborted) throw abortError(abort.reason);
    } catch (error) {
      await progress.settled();
      target.emitStarted = !progress.startedWritten();
      if (deps.inFlight.causeOf(abort) === "cancelled") {
        await deps.jobTransport.complete(job, deps.clock.now());
        return { outcome: "cancelled", ...ids };
      }
      return settleFailure(
        deps,
        job,
        target,
        toStoredError(error, job.stageId),
        error instanceof NonRetryableError,
      );
    }
    await progress.settled();
    target.emitStarted = !progress.startedWritten();

    if (isSuspendResult(result) && entry.stage.kind === "async-batch") {
      return settleSuspend(deps, job, target, result.state, result.pollConfig);
    }
    if (entry.stage.stepType === "sleep" && isSleep(result)) {
      const slept = await settleSleep(deps, target, result, ctx.input);
      if ("error" in slept) return settleFailure(deps, job, target, slept.error, true);
      if (slept.outcome.kind !== "committed") return notCommitted(slept.outcome, ids);
      return { outcome: "suspended", ...ids, nextPollAt: slept.until };
    }
    let flow: ClosingFlow | undefined;
    if (workflow.branching) {
      const routed = entry.stage.flow && isRoute(result) ? result : undefined;
      if (routed) result = routed.output;
      const step = nextStep(workflow, run, record.groupIndex, job.stageId, routed, startedAt);
      if ("error" in step) return settleFailure(deps, job, target, step.error, true);
      flow = { step, records };
    }
    const checked = checkOutput(entry.stage.schemas.output, result, ids);
    if ("error" in checked) return settleFailure(deps, job, target, checked.error, true);
    const prepared = await prepareOutput(deps, record, checked.encoded);
    // Only a transport that stores jobs already leased can hand one to this worker safely.
    const continueWith =
      deps.jobTransport.enqueuesClaimed === true && deps.jobTransport.joinsTransactions
        ? (command.continueWith ?? 0)
        : 0;
    const outcome = await commitCompleted(
      deps,
      target,
      prepared,
      checked.value,
      continueWith > 0
        ? {
            workerId: command.workerId,
            max: continueWith,
            ...(command.leaseMs !== undefined ? { leaseMs: command.leaseMs } : {}),
          }
        : undefined,
      flow,
    );
    if (outcome.kind === "committed") {
      cacheOutput(deps, record.id, checked.value, prepared.bytes);
      const next = outcome.started
        ? continuedJobs(
            outcome.run,
            records,
            completedRecordOf(record, job.attempt, prepared.ref, startedAt, outcome.run.updatedAt),
            outcome.started,
          )
        : [];
      return next.length > 0
        ? { outcome: "completed", ...ids, runStatus: outcome.run.status, next }
        : { outcome: "completed", ...ids, runStatus: outcome.run.status };
    }
    return notCommitted(outcome, ids);
  } finally {
    unregister();
  }
}

/** `record` as its completion left it (spelled out: one shape for every stage record). */
function completedRecordOf(
  record: StageRecord,
  attempt: number,
  outputRef: StageRecord["outputRef"],
  startedAt: Date,
  at: Date,
): StageRecord {
  return {
    id: record.id,
    runId: record.runId,
    stageId: record.stageId,
    groupIndex: record.groupIndex,
    status: "COMPLETED",
    attempt,
    outputRef,
    suspendedState: null,
    pollConfig: record.pollConfig,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: record.progress,
    error: null,
    createdAt: record.createdAt,
    updatedAt: at,
    startedAt: record.startedAt ?? startedAt,
    completedAt: at,
  };
}

/**
 * The jobs this worker claimed for itself when the stage started the next group, each with an
 * exact snapshot of the run: the stage records read before the stage ran (earlier groups do not
 * change while a later one runs), this stage completed, and the new group's records.
 */
function continuedJobs(
  run: RunRecord,
  records: readonly StageRecord[],
  completed: StageRecord,
  started: StartedGroup,
): DequeuedJob[] {
  const claimed = started.jobs.filter((job) => job.claimedBy);
  if (claimed.length === 0) return [];
  const created = started.stages.map(newStageRecord);
  const stages = [...records.map((r) => (r.id === completed.id ? completed : r)), ...created];
  return claimed.map((job) => ({
    jobId: job.jobId,
    workflowRunId: job.workflowRunId,
    workflowId: job.workflowId,
    stageId: job.stageId,
    priority: job.priority,
    attempt: 1,
    maxAttempts: job.maxAttempts,
    payload: job.payload,
    snapshot: { run, stages },
  }));
}

/** Whether `error` says the run's rows cannot be read, and the store can fail such a run. */
function isUnreadable(deps: KernelDeps, error: unknown): error is RatchetError {
  return (
    (error as { code?: unknown } | null)?.code === "CORRUPT_ROW" &&
    deps.persistence.failUnreadableRun !== undefined
  );
}

/**
 * The run's rows (the run, its stages, or an earlier stage's output) cannot be read
 * (`CORRUPT_ROW`, from the adapter): no attempt of any of its stages can run, now or later.
 * The run is failed where it stands (with `workflow.failed`), this job fails without retries
 * and the run's other jobs are cancelled, instead of each job using up its attempts one lease
 * at a time and the run staying `RUNNING`. Repair the row, then `run.rerunFrom` to go on.
 */
async function failUnreadableRun(
  deps: KernelDeps,
  job: DequeuedJob,
  cause: RatchetError,
  ids: { workflowRunId: string; stageId: string },
): Promise<JobExecuteResult> {
  const error: StoredError = { code: cause.code, message: cause.message, stageId: job.stageId };
  const now = deps.clock.now();
  await deps.persistence.failUnreadableRun?.(job.workflowRunId, error, now);
  await deps.jobTransport.fail(job, { error, now });
  // The run's other jobs could not run either.
  await deps.jobTransport.cancelForRun(job.workflowRunId, now);
  deps.inFlight.abortRun(job.workflowRunId, "cancelled", cause);
  return { outcome: "failed", ...ids, error: { code: error.code, message: error.message } };
}

/** The run and its stage records: from the job's snapshot, else in one read when the adapter offers it. */
async function loadRun(
  deps: KernelDeps,
  snapshot: DequeuedJob["snapshot"],
  runId: string,
): Promise<{ run: RunRecord | null; records: StageRecord[] }> {
  if (snapshot && snapshot.run.id === runId) return { run: snapshot.run, records: snapshot.stages };
  if (deps.persistence.getRunWithStages) {
    const loaded = await deps.persistence.getRunWithStages(runId);
    return loaded ? { run: loaded.run, records: loaded.stages } : { run: null, records: [] };
  }
  const [run, records] = await Promise.all([
    deps.persistence.getRun(runId),
    deps.persistence.listStages(runId),
  ]);
  return { run, records };
}

function targetFor(
  job: DequeuedJob,
  workflow: AnyWorkflow,
  run: RunRecord,
  record: StageRecord,
  startedAt: Date,
): AttemptTarget {
  return {
    workflow,
    run,
    record,
    attempt: job.attempt,
    jobId: job.jobId,
    fromStatuses: ["PENDING", "RUNNING"],
    reports: { logs: [], progress: undefined, metadata: undefined },
    startedAt,
    emitStarted: true,
  };
}

function workflowStub(workflowId: string): AnyWorkflow {
  return {
    id: workflowId,
    groups: [],
    flow: [],
    branching: false,
    getStage: () => undefined,
    retryOf: () => undefined,
  } as unknown as AnyWorkflow;
}

/**
 * The input of a group: the workflow input (`fromGroup` −1), or the output(s) of the group the
 * run came from (usually the one before it).
 */
export function stageInput(
  workflow: AnyWorkflow,
  run: RunRecord,
  fromGroup: number,
  outputs: ReadonlyMap<string, unknown>,
): unknown {
  if (fromGroup < 0) return decodeValue(run.input);
  const previous = workflow.groups[fromGroup] ?? [];
  if (previous.length === 1) return outputs.get((previous[0] as { id: string }).id);
  return Object.fromEntries(previous.map((s) => [s.id, outputs.get(s.id)]));
}

/** Validates and encodes a stage output; failures are non-retryable. */
export function checkOutput(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: unknown } | { success: false; error: import("zod").z.ZodError };
  },
  result: unknown,
  ids: { workflowRunId: string; stageId: string },
): { value: unknown; encoded: ReturnType<typeof encodeValue> } | { error: StoredError } {
  const parsed = schema.safeParse(result);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, "output");
    return {
      error: {
        code: "STAGE_OUTPUT_INVALID",
        message: `[ratchet] output of stage "${ids.stageId}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        stageId: ids.stageId,
      },
    };
  }
  try {
    return { value: parsed.data, encoded: encodeValue(parsed.data, "output") };
  } catch (error) {
    return { error: toStoredError(error, ids.stageId) };
  }
}

async function settleFailure(
  deps: KernelDeps,
  job: DequeuedJob,
  target: AttemptTarget,
  error: StoredError,
  nonRetryable: boolean,
): Promise<JobExecuteResult> {
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  const policy = retryPolicyOf(deps, target.workflow, job.stageId);
  // The job's own maxAttempts was fixed when it was enqueued; a deploy that changes the
  // policy applies to the next stage started.
  const retryable = !nonRetryable && job.attempt < job.maxAttempts && retriesError(policy, error);
  let retry: RetryDecision | undefined;
  if (retryable) {
    const delayMs = retryDelayMs(policy, job.attempt, deps.random);
    retry = {
      at: new Date(deps.clock.now().getTime() + delayMs),
      delayMs,
      maxAttempts: job.maxAttempts,
    };
  }
  const retryAt = retry?.at;
  const outcome = await commitFailed(deps, target, error, retry);
  if (outcome.kind !== "committed") return notCommitted(outcome, ids);
  const plain = { code: error.code, message: error.message };
  return retryAt
    ? { outcome: "retrying", ...ids, retryAt, error: plain }
    : { outcome: "failed", ...ids, error: plain };
}

async function settleSuspend(
  deps: KernelDeps,
  job: DequeuedJob,
  target: AttemptTarget,
  state: unknown,
  pollConfig: PollConfig,
): Promise<JobExecuteResult> {
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  let encodedState: ReturnType<typeof encodeValue>;
  try {
    encodedState = encodeValue(state, "state");
  } catch (error) {
    return settleFailure(deps, job, target, toStoredError(error, job.stageId), true);
  }
  if (!(pollConfig.pollIntervalMs > 0)) {
    return settleFailure(
      deps,
      job,
      target,
      {
        code: "INVALID_POLL_CONFIG",
        message: `[ratchet] stage "${job.stageId}" suspended without a positive pollConfig.pollIntervalMs`,
        stageId: job.stageId,
      },
      true,
    );
  }
  const now = deps.clock.now();
  const nextPollAt = pollConfig.nextPollAt ?? new Date(now.getTime() + pollConfig.pollIntervalMs);
  const stored: JsonObject = {
    pollIntervalMs: pollConfig.pollIntervalMs,
    suspendedAt: now.toISOString(),
    checks: 0,
  };
  if (pollConfig.maxWaitMs !== undefined) stored.maxWaitMs = pollConfig.maxWaitMs;
  if (pollConfig.maxWaitCode !== undefined) stored.maxWaitCode = pollConfig.maxWaitCode;
  const outcome = await commitSuspended(deps, target, encodedState, stored, nextPollAt);
  if (outcome.kind !== "committed") return notCommitted(outcome, ids);
  return { outcome: "suspended", ...ids, nextPollAt };
}

function notCommitted(
  outcome: Exclude<CommitOutcome, { kind: "committed" }>,
  ids: { workflowRunId: string; stageId: string },
): JobExecuteResult {
  if (outcome.kind === "duplicate")
    return { outcome: "skipped", ...ids, reason: "stage already settled by another delivery" };
  if (outcome.kind === "superseded")
    return { outcome: "skipped", ...ids, reason: "the attempt no longer holds its job" };
  if (outcome.status === "CANCELLED") return { outcome: "cancelled", ...ids };
  return { outcome: "skipped", ...ids, reason: `run is ${outcome.status ?? "gone"}` };
}

function abortError(reason: unknown): RatchetError {
  if (reason instanceof RatchetError) return reason;
  return new RatchetError(
    "STAGE_ABORTED",
    `[ratchet] the stage was aborted${reason instanceof Error ? `: ${reason.message}` : ""}`,
  );
}

/**
 * Live progress: at most one write per `progressThrottleMs`, each a small transaction that
 * marks the stage `RUNNING`, stores the progress and queues `workflow.progress` (the first one
 * also `workflow.step.started`). Writes are chained and awaited before the result commits.
 */
function progressWriter(deps: KernelDeps, target: AttemptTarget) {
  let chain: Promise<void> = Promise.resolve();
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let started = false;
  const write = (update: ProgressUpdate) =>
    inTransaction(deps, async (uow) => {
      const run = await uow.tx.getRun(target.record.runId, { forUpdate: true });
      if (run?.status !== "RUNNING") return;
      const ok = await uow.tx.updateStage(
        target.record.id,
        {
          status: "RUNNING",
          progress:
            update.message === undefined
              ? { progress: update.progress }
              : { progress: update.progress, message: update.message },
          startedAt: target.record.startedAt ?? target.startedAt,
        },
        { expected: { status: ["PENDING", "RUNNING"] }, now: uow.now },
      );
      if (!ok) return;
      if (!started) {
        uow.event(run, "workflow.step.started", {
          stageId: target.record.stageId,
          stepType: stepTypeOf(target),
          attempt: target.attempt,
          startedAt: target.startedAt.toISOString(),
        });
      }
      uow.event(run, "workflow.progress", {
        stageId: target.record.stageId,
        progress: update.progress,
        ...(update.message === undefined ? {} : { message: update.message }),
      });
      const eventSeq = await uow.flushEvents(run);
      await uow.tx.updateRun(run.id, { eventSeq }, { expectedVersion: run.version, now: uow.now });
      started = true;
    });
  return {
    report(update: ProgressUpdate) {
      const now = deps.clock.now().getTime();
      if (now - lastWriteAt < deps.options.progressThrottleMs) return;
      lastWriteAt = now;
      chain = chain
        .then(() => write(update))
        .catch(() => {
          // Progress is advisory: a failed write must not fail the stage.
        });
    },
    settled: () => chain,
    startedWritten: () => started,
  };
}
