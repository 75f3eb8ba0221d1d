/**
 * `job.execute` of an end hook's job (stage record `hook:<name>`, see `dsl/hooks.ts`): runs the
 * workflow's hook with the ended run, and commits the result like a stage attempt's — retried
 * with back-off while attempts remain, skipped when delivered twice, dropped when the attempt
 * lost its lease.
 */
import { decodeValue } from "../../codec.js";
import { type HookContext, hookOfStageId, START_HOOK_STAGE_ID } from "../../dsl/hooks.js";
import { resolveRetry, retriesError, retryDelayMs } from "../../dsl/retry-policy.js";
import { DefinitionUnavailableError, NonRetryableError, toStoredError } from "../../errors.js";
import { commitHook, type HookResult } from "../../internal/hooks/commit.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { StageAbort } from "../../internal/stage/abort.js";
import type { RetryDecision } from "../../internal/stage/commit-failed.js";
import type { RunRecord, StageRecord } from "../../records.js";
import type { JobExecuteCommand, JobExecuteResult } from "./command.js";
import { executeStartHook } from "./hook-start.js";
import { targetFor } from "./load.js";
import { abortError, notCommitted } from "./settle.js";

/** Handles `job.execute` for an end hook's job of `run` (read with its `records`). */
export async function executeHook(
  command: JobExecuteCommand,
  deps: KernelDeps,
  run: RunRecord,
  records: readonly StageRecord[],
): Promise<JobExecuteResult> {
  const { job } = command;
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  const record = records.find((r) => r.stageId === job.stageId);
  if (!record || (record.status !== "PENDING" && record.status !== "RUNNING")) {
    await deps.jobTransport.complete(job, deps.clock.now());
    return { outcome: "skipped", ...ids, reason: "hook already settled" };
  }
  if (record.status === "PENDING" && record.error !== null && record.attempt >= job.attempt)
    return { outcome: "skipped", ...ids, reason: `attempt ${job.attempt} already ended` };
  const workflow = deps.registry.getDefinition(run);
  if (!workflow) {
    await deps.jobTransport.release(job.jobId, command.workerId, deps.clock.now());
    return { outcome: "skipped", ...ids, reason: new DefinitionUnavailableError(run, ids).message };
  }
  if (job.stageId === START_HOOK_STAGE_ID)
    return executeStartHook(command, deps, run, record, workflow);
  const name = hookOfStageId(job.stageId);
  const hook = name ? workflow.hooks?.[name] : undefined;
  const startedAt = deps.clock.now();
  const target = { ...targetFor(job, workflow, run, record, startedAt), emitStarted: false };
  const commit = async (result: HookResult): Promise<JobExecuteResult> => {
    const outcome = await commitHook(deps, target, name ?? job.stageId, result);
    if (outcome.kind !== "committed") return notCommitted(outcome, ids);
    if (result.kind === "completed")
      return { outcome: "completed", ...ids, runStatus: outcome.run.status };
    const plain = { code: result.error.code, message: result.error.message };
    return result.retry
      ? { outcome: "retrying", ...ids, retryAt: result.retry.at, error: plain }
      : { outcome: "failed", ...ids, error: plain };
  };
  if (!hook) {
    const message = `[ratchet] workflow "${run.workflowId}" has no ${job.stageId} hook`;
    return commit({
      kind: "failed",
      error: { code: "STAGE_NOT_FOUND", message },
      retry: undefined,
    });
  }
  const abort = new StageAbort(command.signal);
  const unregister = deps.inFlight.register(run.id, job.jobId, abort);
  try {
    let failed = false;
    let failure: unknown;
    try {
      const ctx: HookContext = {
        workflowRunId: run.id,
        workflowId: run.workflowId,
        status: run.status,
        input: decodeValue(run.input),
        output: run.output === null ? null : decodeValue(run.output),
        error: run.error,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        get signal() {
          return abort.signal;
        },
      };
      await hook(ctx);
      if (abort.aborted) throw abortError(abort.reason);
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (!failed) return await commit({ kind: "completed" });
    if (deps.inFlight.causeOf(abort) === "lease-lost")
      return { outcome: "skipped", ...ids, reason: "lease lost" };
    const error = toStoredError(failure);
    const policy = resolveRetry(workflow.hooks?.retry);
    let retry: RetryDecision | undefined;
    if (
      !(failure instanceof NonRetryableError) &&
      job.attempt < job.maxAttempts &&
      retriesError(policy, error)
    ) {
      const delayMs = retryDelayMs(policy, job.attempt, deps.random);
      retry = {
        at: new Date(deps.clock.now().getTime() + delayMs),
        delayMs,
        maxAttempts: job.maxAttempts,
      };
    }
    return await commit({ kind: "failed", error, retry });
  } finally {
    unregister();
  }
}
