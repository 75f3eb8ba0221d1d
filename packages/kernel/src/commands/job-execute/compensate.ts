/**
 * `job.execute` of a compensation job (stage record `compensate:<stageId>`, see
 * `dsl/compensation.ts`): runs the stage's `compensate` with the input and output the stage
 * completed with, and commits the result like a stage attempt's — retried with back-off while
 * attempts remain, skipped when delivered twice, dropped when the attempt lost its lease.
 */
import { decodeValue } from "../../codec.js";
import { type CompensationContext, compensatedStageId } from "../../dsl/compensation.js";
import { retriesError, retryDelayMs } from "../../dsl/retry-policy.js";
import { DefinitionUnavailableError, NonRetryableError, toStoredError } from "../../errors.js";
import { type CompensationResult, commitCompensation } from "../../internal/compensation/commit.js";
import {
  compensationOfStage,
  compensationPolicy,
  planOf,
} from "../../internal/compensation/plan.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { inputGroupOf } from "../../internal/run/flow-control.js";
import { StageAbort } from "../../internal/stage/abort.js";
import type { RetryDecision } from "../../internal/stage/commit-failed.js";
import { stageInput } from "../../internal/stage/output-check.js";
import { loadOutputs } from "../../internal/stage/outputs.js";
import type { RunRecord, StageRecord, StoredError } from "../../records.js";
import type { JobExecuteCommand, JobExecuteResult } from "./command.js";
import { targetFor } from "./load.js";
import { abortError, notCommitted } from "./settle.js";

/** Handles `job.execute` for a compensation job of `run` (read with its `records`). */
export async function executeCompensation(
  command: JobExecuteCommand,
  deps: KernelDeps,
  run: RunRecord,
  records: readonly StageRecord[],
): Promise<JobExecuteResult> {
  const { job } = command;
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  const record = records.find((r) => r.stageId === job.stageId);
  if (
    run.status !== "COMPENSATING" ||
    !record ||
    (record.status !== "PENDING" && record.status !== "RUNNING")
  ) {
    await deps.jobTransport.complete(job, deps.clock.now());
    if (run.status === "CANCELLED") return { outcome: "cancelled", ...ids };
    const reason = run.status !== "COMPENSATING" ? `run is ${run.status}` : "compensation ended";
    return { outcome: "skipped", ...ids, reason };
  }
  if (record.status === "PENDING" && record.error !== null && record.attempt >= job.attempt) {
    // A second delivery of an attempt whose failure is committed (see job-execute/index.ts).
    return { outcome: "skipped", ...ids, reason: `attempt ${job.attempt} already ended` };
  }
  const workflow = deps.registry.getDefinition(run);
  if (!workflow) {
    await deps.jobTransport.release(job.jobId, command.workerId, deps.clock.now());
    return { outcome: "skipped", ...ids, reason: new DefinitionUnavailableError(run, ids).message };
  }
  const stageId = compensatedStageId(job.stageId) ?? job.stageId;
  const startedAt = deps.clock.now();
  const target = { ...targetFor(job, workflow, run, record, startedAt), emitStarted: false };
  const commit = async (result: CompensationResult): Promise<JobExecuteResult> => {
    const outcome = await commitCompensation(deps, workflow, target, result);
    if (outcome.kind !== "committed") return notCommitted(outcome, ids);
    if (result.kind === "completed")
      return { outcome: "completed", ...ids, runStatus: outcome.run.status };
    const plain = { code: result.error.code, message: result.error.message };
    return result.retry
      ? { outcome: "retrying", ...ids, retryAt: result.retry.at, error: plain }
      : { outcome: "failed", ...ids, error: plain };
  };
  const compensation = compensationOfStage(workflow, stageId);
  const plan = planOf(run);
  const original = records.find((r) => r.stageId === stageId && r.status === "COMPLETED");
  if (!compensation || !plan || !original) {
    const error: StoredError = {
      code: "STAGE_NOT_FOUND",
      message: `[ratchet] run ${run.id} has no completed stage "${stageId}" with a compensation`,
      stageId,
    };
    return commit({ kind: "failed", error, retry: undefined });
  }
  const abort = new StageAbort(command.signal);
  const unregister = deps.inFlight.register(run.id, job.jobId, abort);
  try {
    let failed = false;
    let failure: unknown;
    try {
      const fromGroup = workflow.branching
        ? inputGroupOf(run.control, original.groupIndex)
        : original.groupIndex - 1;
      const earlier = records.filter(
        (r) => r.groupIndex === fromGroup && r.status === "COMPLETED" && r.stageId !== stageId,
      );
      const outputs = await loadOutputs(deps, deps.persistence, [...earlier, original]);
      const ctx: CompensationContext = {
        input: stageInput(workflow, run, fromGroup, outputs),
        output: outputs.get(stageId),
        runInput: decodeValue(run.input),
        cause: plan.cause,
        error: run.error,
        workflowRunId: run.id,
        stageId,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        get signal() {
          return abort.signal;
        },
      };
      await compensation.run(ctx);
      if (abort.aborted) throw abortError(abort.reason);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (!failed) return await commit({ kind: "completed" });
    const cause = deps.inFlight.causeOf(abort);
    if (cause === "cancelled") {
      await deps.jobTransport.complete(job, deps.clock.now());
      return { outcome: "cancelled", ...ids };
    }
    if (cause === "lease-lost") return { outcome: "skipped", ...ids, reason: "lease lost" };
    const error = toStoredError(failure, stageId);
    const policy = compensationPolicy(deps, workflow, stageId);
    let retry: RetryDecision | undefined;
    if (
      !(failure instanceof NonRetryableError) &&
      job.attempt < job.maxAttempts &&
      retriesError(policy, error)
    ) {
      const delayMs = retryDelayMs(policy, job.attempt, deps.random);
      const at = new Date(deps.clock.now().getTime() + delayMs);
      retry = { at, delayMs, maxAttempts: job.maxAttempts };
    }
    return await commit({ kind: "failed", error, retry });
  } finally {
    unregister();
  }
}
