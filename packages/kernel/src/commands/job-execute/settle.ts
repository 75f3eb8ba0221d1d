/** Committing an attempt that did not complete: a failure (retried or final) or a suspension. */

import { encodeValue } from "../../codec.js";
import { retriesError, retryDelayMs } from "../../dsl/retry-policy.js";
import type { PollConfig } from "../../dsl/stage.js";
import { RatchetError, toStoredError } from "../../errors.js";
import type { KernelDeps } from "../../internal/kernel-deps.js";
import { commitFailed, type RetryDecision } from "../../internal/stage/commit-failed.js";
import { commitSuspended } from "../../internal/stage/commit-suspended.js";
import type { AttemptTarget, CommitOutcome } from "../../internal/stage/outcome.js";
import { retryPolicyOf } from "../../internal/stage/retry.js";
import type { DequeuedJob, JsonObject, StoredError } from "../../records.js";
import type { JobExecuteResult } from "./command.js";

/**
 * Commits a failed attempt: a retry after the stage's back-off while attempts remain and the
 * policy retries the error, else the stage and run fail.
 */
export async function settleFailure(
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

/** What is wrong with a stage's `pollConfig`, or `undefined` when nothing is. */
function invalidPollConfig(pollConfig: PollConfig): string | undefined {
  if (!(pollConfig.pollIntervalMs > 0)) return "without a positive pollConfig.pollIntervalMs";
  const { maxWaitMs, maxPollErrors } = pollConfig;
  if (maxWaitMs !== undefined && !(typeof maxWaitMs === "number" && maxWaitMs > 0))
    return `with pollConfig.maxWaitMs ${String(maxWaitMs)} (must be above 0, or Infinity)`;
  if (maxPollErrors !== undefined && !(Number.isInteger(maxPollErrors) && maxPollErrors > 0))
    return `with pollConfig.maxPollErrors ${String(maxPollErrors)} (must be a whole number above 0)`;
  return undefined;
}

/** Commits an async-batch stage that suspended, with its state and when to check it next. */
export async function settleSuspend(
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
  const invalid = invalidPollConfig(pollConfig);
  if (invalid !== undefined) {
    return settleFailure(
      deps,
      job,
      target,
      {
        code: "INVALID_POLL_CONFIG",
        message: `[ratchet] stage "${job.stageId}" suspended ${invalid}`,
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
  // The limit is stored with the stage (null: none), so a later change of the kernel's default
  // does not move the deadline of a stage already waiting.
  const maxWaitMs = pollConfig.maxWaitMs ?? deps.options.suspendMaxWaitMs;
  stored.maxWaitMs = Number.isFinite(maxWaitMs) ? maxWaitMs : null;
  if (pollConfig.maxWaitCode !== undefined) stored.maxWaitCode = pollConfig.maxWaitCode;
  stored.maxPollErrors = pollConfig.maxPollErrors ?? deps.options.maxPollErrors;
  const outcome = await commitSuspended(deps, target, encodedState, stored, nextPollAt);
  if (outcome.kind !== "committed") return notCommitted(outcome, ids);
  return { outcome: "suspended", ...ids, nextPollAt };
}

/** The result of an attempt whose commit did not happen (duplicate, superseded, run ended). */
export function notCommitted(
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

/** The error an aborted stage fails with: the abort's own reason when it is a Ratchet error. */
export function abortError(reason: unknown): RatchetError {
  if (reason instanceof RatchetError) return reason;
  return new RatchetError(
    "STAGE_ABORTED",
    `[ratchet] the stage was aborted${reason instanceof Error ? `: ${reason.message}` : ""}`,
  );
}
