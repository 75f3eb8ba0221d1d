/**
 * Retrying a child step whose child failed: the step's retry policy (`retry` on the step;
 * children are not retried by default) decides whether the error is retried and after what
 * back-off. A retry starts a new child run with the first one's input — held `SCHEDULED`
 * until the back-off ends (a `run.start` entry) — and the stage waits for it instead, all in
 * one transaction under the parent's lock that first checks the stage still holds the failed
 * child's resolution, so two resumers never start two retries.
 */
import { decodeValue } from "../../codec.js";
import { retriesError, retryDelayMs } from "../../dsl/retry-policy.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { RunRecord, StageRecord, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { RUN_START_COMMAND, startCorrelationId } from "../run/correlation.js";
import { retryPolicyOf } from "../stage/retry.js";
import { commitRun, inTransaction } from "../tx/unit-of-work.js";
import { errorPayload } from "../values/error-payload.js";
import { insertChild, type PreparedChild, prepareChild } from "./child-run.js";
import { childSignalName } from "./correlation.js";
import { decodeWaitState, encodeWaitState, type WaitState } from "./state.js";

/**
 * What became of a failed child: a new one was started (`retried`), the policy does not retry
 * it (`no-retry`: the step fails), or the stage had already moved on (`moved-on`: another resumer
 * retried it, or the run ended) and must be left alone.
 */
export type ChildRetry = "retried" | "no-retry" | "moved-on";

/** Starts the next attempt's child when the policy retries `error` (see {@link ChildRetry}). */
export async function retryChild(
  deps: KernelDeps,
  workflow: AnyWorkflow,
  run: RunRecord,
  record: StageRecord,
  state: WaitState,
  error: StoredError,
): Promise<ChildRetry> {
  const failedChild = state.wait.childRunId;
  if (state.wait.kind !== "child" || !failedChild) return "no-retry";
  const policy = retryPolicyOf(deps, workflow, record.stageId);
  const attempt = state.childAttempt ?? 1;
  if (attempt >= policy.maxAttempts || !retriesError(policy, error)) return "no-retry";
  const old = await deps.persistence.getRun(failedChild);
  if (!old) return "no-retry";
  let child: PreparedChild;
  try {
    child = prepareChild(deps, run, {
      workflowId: old.workflowId,
      input: decodeValue(old.input),
      priority: old.priority,
    });
  } catch {
    return "no-retry";
  }
  const delayMs = retryDelayMs(policy, attempt, deps.random);
  return inTransaction(deps, async (uow): Promise<ChildRetry> => {
    const locked = await uow.tx.getRun(run.id, { forUpdate: true });
    if (locked?.status !== "RUNNING") return "moved-on";
    const current = await uow.tx.getStage(run.id, record.stageId);
    const now = current?.id === record.id ? decodeWaitState(current.suspendedState) : null;
    if (current?.status !== "SUSPENDED" || now?.wait.childRunId !== failedChild || !now.resolution)
      return "moved-on";
    const next: WaitState = {
      input: now.input,
      wait: { ...now.wait, name: childSignalName(child.run.id), childRunId: child.run.id },
      childAttempt: attempt + 1,
    };
    const ok = await uow.tx.updateStage(
      record.id,
      { suspendedState: encodeWaitState(next) },
      { expected: { status: ["SUSPENDED"] }, now: uow.now },
    );
    if (!ok) return "moved-on";
    await uow.tx.putSignalWait({
      stageRecordId: record.id,
      runId: run.id,
      stageId: record.stageId,
      name: next.wait.name,
      matchKey: null,
      kind: "child",
      createdAt: uow.now,
      expiresAt: null,
    });
    const retryAt = new Date(uow.now.getTime() + delayMs);
    await insertChild(uow, deps, child, delayMs > 0);
    if (delayMs > 0) {
      await uow.schedule((scope) =>
        deps.scheduler.schedule(
          {
            type: RUN_START_COMMAND,
            correlationId: startCorrelationId(child.run.id),
            payload: { workflowRunId: child.run.id },
            runAt: retryAt,
          },
          scope,
        ),
      );
    }
    uow.event(locked, "workflow.step.retry", {
      stageId: record.stageId,
      attempt,
      maxAttempts: policy.maxAttempts,
      delayMs,
      retryAt: retryAt.toISOString(),
      error: errorPayload(error),
      childRunId: child.run.id,
    });
    await commitRun(uow, locked, {});
    return "retried";
  });
}
