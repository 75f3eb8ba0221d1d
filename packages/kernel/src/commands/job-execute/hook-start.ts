/**
 * `job.execute` of a run's start hooks (`hook:onStart`, see `dsl/hooks.ts`): `shouldRun`, then
 * `onBeforeStart`, then the commit that starts the first group (or cancels the run when
 * `shouldRun` said no). Retried with back-off like a stage; its commit is exactly once.
 */
import { decodeValue } from "../../codec.js";
import type { StartHookContext } from "../../dsl/hooks.js";
import { resolveRetry, retriesError, retryDelayMs } from "../../dsl/retry-policy.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import { NonRetryableError, toStoredError } from "../../errors.js";
import { commitStartHook, type StartHookResult } from "../../internal/hooks/commit-start.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { StageAbort } from "../../internal/stage/abort.js";
import type { RetryDecision } from "../../internal/stage/commit-failed.js";
import type { RunRecord, StageRecord } from "../../records.js";
import type { JobExecuteCommand, JobExecuteResult } from "./command.js";
import { targetFor } from "./load.js";
import { abortError, notCommitted } from "./settle.js";

/** Runs the start hooks of `run` (RUNNING, its record `record` pending) and commits. */
export async function executeStartHook(
  command: JobExecuteCommand,
  deps: KernelDeps,
  run: RunRecord,
  record: StageRecord,
  workflow: AnyWorkflow,
): Promise<JobExecuteResult> {
  const { job } = command;
  const ids = { workflowRunId: job.workflowRunId, stageId: job.stageId };
  if (run.status !== "RUNNING") {
    await deps.jobTransport.complete(job, deps.clock.now());
    return run.status === "CANCELLED"
      ? { outcome: "cancelled", ...ids }
      : { outcome: "skipped", ...ids, reason: `run is ${run.status}` };
  }
  const startedAt = deps.clock.now();
  const target = { ...targetFor(job, workflow, run, record, startedAt), emitStarted: false };
  const abort = new StageAbort(command.signal);
  const unregister = deps.inFlight.register(run.id, job.jobId, abort);
  let result: StartHookResult;
  try {
    const ctx: StartHookContext = {
      workflowRunId: run.id,
      workflowId: run.workflowId,
      input: decodeValue(run.input),
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      get signal() {
        return abort.signal;
      },
    };
    const hooks = workflow.hooks;
    const go = hooks?.shouldRun ? (await hooks.shouldRun(ctx)) !== false : true;
    if (go) await hooks?.onBeforeStart?.(ctx);
    if (abort.aborted) throw abortError(abort.reason);
    result = { kind: go ? "started" : "skipped" };
  } catch (failure) {
    const cause = deps.inFlight.causeOf(abort);
    if (cause === "cancelled") {
      unregister();
      await deps.jobTransport.complete(job, deps.clock.now());
      return { outcome: "cancelled", ...ids };
    }
    if (cause === "lease-lost") {
      unregister();
      return { outcome: "skipped", ...ids, reason: "lease lost" };
    }
    const error = toStoredError(failure);
    const policy = resolveRetry(workflow.hooks?.retry);
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
    result = { kind: "failed", error, retry };
  }
  unregister();
  const outcome = await commitStartHook(deps, workflow, target, result);
  if (outcome.kind !== "committed") return notCommitted(outcome, ids);
  if (result.kind === "failed") {
    const plain = { code: result.error.code, message: result.error.message };
    return result.retry
      ? { outcome: "retrying", ...ids, retryAt: result.retry.at, error: plain }
      : { outcome: "failed", ...ids, error: plain };
  }
  return { outcome: "completed", ...ids, runStatus: outcome.run.status };
}
