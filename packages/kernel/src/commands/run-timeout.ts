/**
 * `run.timeout`: ends a run that is still going when its workflow's timeout passes (scheduled
 * when the run starts): status `TIMED_OUT`, error `WORKFLOW_TIMEOUT`, its unfinished stages,
 * jobs and timers cancelled in one transaction, then `ctx.signal` of its stages running in
 * this kernel aborted. `workflow.failed` carries `status: "TIMED_OUT"`.
 */

import { z } from "zod";
import { RatchetError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { endRunEarly } from "../internal/run/end-run.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import type { RunStatus } from "../records.js";
import { isTerminalRunStatus, type StoredError } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Ends a run that outlived its workflow's timeout (scheduled when the run starts). */
export interface RunTimeoutCommand {
  type: "run.timeout";
  workflowRunId: string;
}

/** Result of `run.timeout`. */
export interface RunTimeoutResult {
  workflowRunId: string;
  status: RunStatus;
  /** False when the run had already ended. */
  timedOut: boolean;
}

/** Handles `run.timeout`. */
export async function runTimeout(
  command: RunTimeoutCommand,
  deps: KernelDeps,
): Promise<RunTimeoutResult> {
  const runId = command.workflowRunId;
  const result = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) return { workflowRunId: runId, status: "FAILED" as const, timedOut: false };
    // A compensating run has already ended its stages; its compensations are not timed out.
    if (
      isTerminalRunStatus(run.status) ||
      run.status === "PENDING" ||
      run.status === "COMPENSATING"
    )
      return { workflowRunId: runId, status: run.status, timedOut: false };
    const timeoutMs = (
      deps.registry.getDefinition(run) ?? deps.registry.getWorkflow(run.workflowId)
    )?.timeoutMs;
    const error: StoredError = {
      code: "WORKFLOW_TIMEOUT",
      message: `[ratchet] run ${runId} did not finish within its workflow's timeout${timeoutMs === undefined ? "" : ` (${timeoutMs} ms)`}`,
    };
    const updated = await endRunEarly(uow, deps, run, {
      status: "TIMED_OUT",
      error,
      event: { type: "workflow.failed", payload: { error: { ...error }, status: "TIMED_OUT" } },
    });
    return { workflowRunId: runId, status: updated.status, timedOut: true };
  });
  if (result.timedOut) {
    deps.inFlight.abortRun(
      runId,
      "cancelled",
      new RatchetError("RUN_TIMED_OUT", `[ratchet] run ${runId} timed out`, {
        workflowRunId: runId,
      }),
    );
  }
  return result;
}

/** `run.timeout`: its schema, fast check and handler. */
export const runTimeoutModule = defineCommand<RunTimeoutCommand, RunTimeoutResult>({
  type: "run.timeout",
  schema: z.object({ type: z.literal("run.timeout"), workflowRunId: id }),
  isWellFormed: (c) => isId(c.workflowRunId),
  handle: runTimeout,
});
