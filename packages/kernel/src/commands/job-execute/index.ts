/**
 * `job.execute`: runs one stage attempt and commits its result in one transaction.
 *
 * Reads (outside any transaction): the run and its stage records — one call each — plus
 * earlier outputs the kernel's cache does not hold. Writes: one transaction with the stage's
 * result, its events and logs, the job's settlement and, when the stage closes its group, the
 * next group's jobs or the run's completion.
 */

import { z } from "zod";
import { decodeValue } from "../../codec.js";
import { compensatedStageId } from "../../dsl/compensation.js";
import { isRoute, isSleep } from "../../dsl/flow.js";
import { HOOK_PREFIX } from "../../dsl/hooks.js";
import { isSuspendResult } from "../../dsl/stage.js";
import { describeDefinition } from "../../dsl/versioning.js";
import { isWait } from "../../dsl/waits.js";
import { DefinitionUnavailableError, NonRetryableError, toStoredError } from "../../errors.js";
import { passBreaker } from "../../internal/breaker/gate.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { inputGroupOf } from "../../internal/run/flow-control.js";
import type { ClosingFlow } from "../../internal/run/group-close.js";
import type { Continuation } from "../../internal/run/progression.js";
import { nextStep } from "../../internal/run/routing.js";
import { StageAbort } from "../../internal/stage/abort.js";
import { commitCompleted } from "../../internal/stage/commit-completed.js";
import { createStageContext } from "../../internal/stage/context.js";
import { checkOutput, stageInput } from "../../internal/stage/output-check.js";
import {
  cachedOutputs,
  cacheOutput,
  forgetOutputs,
  inlineOutput,
  loadOutputs,
  prepareOutput,
} from "../../internal/stage/outputs.js";
import { settleSleep } from "../../internal/stage/sleep.js";
import { zodIssues } from "../../internal/values/zod-issues.js";
import { resumeWaitingStage } from "../../internal/waits/resume.js";
import { settleWait } from "../../internal/waits/settle-wait.js";
import { runIsolated } from "../../isolation/parent.js";
import {
  type DequeuedJob,
  isTerminalRunStatus,
  type JsonObject,
  type StoredError,
} from "../../records.js";
import { defineCommand } from "../command.js";
import {
  continueCount,
  dequeuedJob,
  id,
  isContinueWith,
  isDequeuedJob,
  isId,
  isPositiveInt,
  optional,
  positiveInt,
} from "../fields.js";
import type { JobExecuteCommand, JobExecuteResult } from "./command.js";
import { executeCompensation } from "./compensate.js";
import { completedRecordOf, continuedJobs, exactRecords } from "./continuation.js";
import { executeHook } from "./hook.js";
import { announceStarted } from "./live.js";
import {
  failUnreadableRun,
  isUnreadable,
  loadRun,
  snapshotOf,
  targetFor,
  workflowStub,
} from "./load.js";
import { progressWriter } from "./progress.js";
import { completedInputs, recordOf } from "./records.js";

export type { JobExecuteCommand, JobExecuteResult } from "./command.js";

import { abortError, notCommitted, settleFailure, settleSuspend } from "./settle.js";

/** Handles `job.execute`. */
export async function jobExecute(
  command: JobExecuteCommand,
  deps: KernelDeps,
): Promise<JobExecuteResult> {
  const { job } = command;
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  let loaded: Awaited<ReturnType<typeof loadRun>>;
  try {
    // A continued job carries its run: no read, and no promise to wait for.
    loaded = snapshotOf(job) ?? (await loadRun(deps, job.snapshot, job.workflowRunId));
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
  if (job.stageId.startsWith(HOOK_PREFIX)) return executeHook(command, deps, run, records);
  if (run.status === "COMPENSATING" || compensatedStageId(job.stageId) !== undefined)
    return executeCompensation(command, deps, run, records);
  if (run.status !== "RUNNING") {
    await deps.jobTransport.complete(job, deps.clock.now());
    return run.status === "CANCELLED"
      ? { outcome: "cancelled", ...ids }
      : { outcome: "skipped", ...ids, reason: `run is ${run.status}` };
  }
  const record = recordOf(records, job.stageId);
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
  // The definition the run started on, never another version of its workflow.
  const workflow = deps.registry.getDefinition(run);
  if (!workflow) {
    // A job this worker's routes would not have handed it (a tool's dequeue, an older
    // transport): given back untouched, attempt not used up, for a worker that has the version.
    await deps.jobTransport.release(job.jobId, command.workerId, deps.clock.now());
    const unavailable = new DefinitionUnavailableError(run, ids);
    return { outcome: "skipped", ...ids, reason: unavailable.message };
  }
  const entry = workflow.getStage(job.stageId);
  if (!entry) {
    const error: StoredError = {
      code: "STAGE_NOT_FOUND",
      message: `[ratchet] workflow "${job.workflowId}" ${describeDefinition(run)} has no stage "${job.stageId}" (worker ${command.workerId})`,
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

  // A stage guarded by a circuit breaker: deferred while it is open (see internal/breaker).
  const breaker = entry.stage.breaker
    ? await passBreaker(deps, job, command.workerId, run, entry.stage.breaker)
    : undefined;
  if (breaker?.kind === "deferred") return { outcome: "skipped", ...ids, reason: breaker.reason };
  const startedAt = deps.clock.now();
  deps.telemetry?.attemptStarted(command, job, run, record, startedAt, command.workerId);
  const target = targetFor(job, workflow, run, record, startedAt);
  announceStarted(deps, target);
  const abort = new StageAbort(command.signal);
  const unregister = deps.inFlight.register(run.id, job.jobId, abort);
  const progress = progressWriter(deps, target);
  try {
    // The group whose output is the input: the one before, or where a jump came from.
    const fromGroup = workflow.branching
      ? inputGroupOf(run.control, record.groupIndex)
      : record.groupIndex - 1;
    const earlier = completedInputs(records, record.groupIndex, fromGroup);
    let outputs: Awaited<ReturnType<typeof loadOutputs>>;
    try {
      outputs =
        cachedOutputs(deps, earlier) ?? (await loadOutputs(deps, deps.persistence, earlier));
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
      emits:
        entry.stage.events || workflow.events
          ? { events: entry.stage.events, workflowEvents: workflow.events }
          : undefined,
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
      // An isolated stage's body runs in the host's stage runner (a child process or thread).
      const body = entry.stage.isolation
        ? () => runIsolated(deps, workflow, entry.stage, ctx, run.input)
        : () => entry.stage.execute(ctx);
      result = await (deps.telemetry ? deps.telemetry.inAttempt(command, body) : body());
      if (abort.aborted) throw abortError(abort.reason);
    } catch (error) {
      await progress.settled();
      target.emitStarted = !progress.startedWritten();
      const cause = deps.inFlight.causeOf(abort);
      if (cause === "cancelled") {
        await deps.jobTransport.complete(job, deps.clock.now());
        return { outcome: "cancelled", ...ids };
      }
      // A heartbeat found the job no longer held by this worker (reaped, cancelled, settled, or
      // held by another): nothing of this attempt is committed — failing it here would end or
      // retry an attempt another worker may be running.
      if (cause === "lease-lost") {
        const now = await deps.persistence.getRun(run.id);
        if (now?.status === "CANCELLED") return { outcome: "cancelled", ...ids };
        return { outcome: "skipped", ...ids, reason: "the job's lease was lost" };
      }
      return settleFailure(
        deps,
        job,
        target,
        toStoredError(error, job.stageId),
        error instanceof NonRetryableError,
      );
    }
    if (progress.writing()) await progress.settled();
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
    if (entry.stage.waitOutput && isWait(result)) {
      const waited = await settleWait(deps, target, result.request, ctx.input);
      if ("error" in waited) return settleFailure(deps, job, target, waited.error, true);
      if (waited.outcome.kind !== "committed") return notCommitted(waited.outcome, ids);
      if (waited.resumeNow) {
        try {
          await resumeWaitingStage(deps, run.id, record.id);
        } catch {
          // The resume entry scheduled with the suspension resumes it instead.
        }
      }
      return {
        outcome: "suspended",
        ...ids,
        ...(waited.timeoutAt ? { nextPollAt: waited.timeoutAt } : {}),
      };
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
    const prepared =
      inlineOutput(deps, checked.encoded) ?? (await prepareOutput(deps, record, checked.encoded));
    // Only a transport that stores jobs already leased can hand one to this worker safely.
    const continueWith =
      deps.jobTransport.enqueuesClaimed === true && deps.jobTransport.joinsTransactions
        ? (command.continueWith ?? 0)
        : 0;
    const outcome = await commitCompleted(
      breaker?.committer ? { ...deps, committer: breaker.committer } : deps,
      target,
      prepared,
      checked.value,
      continueWith > 0 ? continuationOf(command, continueWith) : undefined,
      flow,
      continueWith > 0 && command.refillFromQueue === true
        ? {
            workerId: command.workerId,
            slots: continueWith,
            leaseMs: command.leaseMs ?? deps.options.jobLeaseMs,
            routes: deps.registry.routes(),
          }
        : undefined,
    );
    if (outcome.kind === "committed") {
      // A run this commit ended needs none of its outputs again on this kernel.
      if (isTerminalRunStatus(outcome.run.status)) forgetOutputs(deps, records);
      else cacheOutput(deps, record.id, checked.value, prepared.bytes);
      let next: DequeuedJob[] | undefined;
      if (outcome.started) {
        const completed = completedRecordOf(
          record,
          job.attempt,
          prepared.ref,
          startedAt,
          outcome.run.updatedAt,
        );
        const groupSize = workflow.groups[record.groupIndex]?.length ?? 0;
        const exact = exactRecords(records, completed, groupSize, outcome.closedGroup);
        next = continuedJobs(outcome.run, exact ?? records, completed, outcome.started, !!exact);
      }
      if (outcome.refilled) next = (next ?? []).concat(outcome.refilled);
      // Spelled out (no spread of `ids`): this is every completed stage's result.
      return next && next.length > 0
        ? {
            outcome: "completed",
            workflowRunId: ids.workflowRunId,
            stageId: ids.stageId,
            runStatus: outcome.run.status,
            next,
          }
        : {
            outcome: "completed",
            workflowRunId: ids.workflowRunId,
            stageId: ids.stageId,
            runStatus: outcome.run.status,
          };
    }
    return notCommitted(outcome, ids);
  } finally {
    unregister();
  }
}

/** The continuation of a stage whose worker takes up to `max` of the next jobs itself. */
function continuationOf(command: JobExecuteCommand, max: number): Continuation {
  return command.leaseMs === undefined
    ? { workerId: command.workerId, max }
    : { workerId: command.workerId, max, leaseMs: command.leaseMs };
}

/** Passes what the schema's `signal` accepts. */
const isSignal = (v: unknown): boolean => typeof v === "object" && v !== null && "aborted" in v;

/** `job.execute`: its schema, fast check and handler. */
export const jobExecuteModule = defineCommand<JobExecuteCommand, JobExecuteResult>({
  type: "job.execute",
  schema: z.object({
    type: z.literal("job.execute"),
    workerId: id,
    job: dequeuedJob,
    signal: z
      .custom<AbortSignal>((v) => typeof v === "object" && v !== null && "aborted" in v)
      .optional(),
    continueWith: continueCount.optional(),
    refillFromQueue: z.boolean().optional(),
    leaseMs: positiveInt.optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workerId) &&
    isDequeuedJob(c.job) &&
    optional(c.signal, isSignal) &&
    optional(c.continueWith, isContinueWith) &&
    optional(c.refillFromQueue, (v) => typeof v === "boolean") &&
    optional(c.leaseMs, isPositiveInt),
  // The attempt's span and metrics end with the result (telemetry/telemetry.ts).
  handle: (command, deps) =>
    deps.telemetry
      ? deps.telemetry.traceJob(command, () => jobExecute(command, deps))
      : jobExecute(command, deps),
});
