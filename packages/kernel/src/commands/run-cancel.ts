/**
 * `run.cancel`: ends a run as `CANCELLED` — its unfinished stages, jobs and timers with it — in
 * one transaction, then aborts `ctx.signal` of its stages running in this kernel instance.
 * Stages running elsewhere learn it at their next `job.heartbeat`.
 */

import { z } from "zod";
import {
  IllegalStateTransitionError,
  RatchetError,
  RunNotFoundError,
  StaleVersionError,
} from "../errors.js";
import { beginCompensation, hasCompensations } from "../internal/compensation/plan.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { endRunEarly } from "../internal/run/end-run.js";
import { cancelRemaining } from "../internal/run/progression.js";
import { inTransaction, type UnitOfWork } from "../internal/tx/unit-of-work.js";
import type { RunRecord, RunStatus } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId, isNonNegativeInt, nonNegativeInt, optional } from "./fields.js";

/** Cancels a run: stops its stages, cancels its jobs and timers. */
export interface RunCancelCommand {
  type: "run.cancel";
  workflowRunId: string;
  reason?: string;
  /** Cancel only if the run is still at this version. */
  expectedVersion?: number;
  /**
   * Cancel only if the run has not ended: a run that completed, failed or timed out is left as
   * it is (`cancelled: false`) instead of refused — how a parent cancels its children.
   */
  ifActive?: boolean;
}

/** Result of `run.cancel`. */
export interface RunCancelResult {
  workflowRunId: string;
  status: RunStatus;
  /** False when the run was already cancelled. */
  cancelled: boolean;
}

/** Passes what the schema's `reason` accepts. */
const isReason = (v: unknown): boolean => typeof v === "string" && v.length <= 2000;

/** Handles `run.cancel`. */
export async function runCancel(
  command: RunCancelCommand,
  deps: KernelDeps,
): Promise<RunCancelResult> {
  const runId = command.workflowRunId;
  const reason = command.reason ?? "cancelled";
  const result = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (!run) throw new RunNotFoundError(runId);
    if (command.expectedVersion !== undefined && command.expectedVersion !== run.version) {
      throw new StaleVersionError(runId, command.expectedVersion, run.version);
    }
    if (run.status === "CANCELLED")
      return { workflowRunId: runId, status: run.status, cancelled: false };
    if (run.status === "COMPLETED" || run.status === "FAILED" || run.status === "TIMED_OUT") {
      if (command.ifActive) return { workflowRunId: runId, status: run.status, cancelled: false };
      throw new IllegalStateTransitionError(run.status, "CANCELLED", {
        workflowRunId: runId,
        workflowId: run.workflowId,
      });
    }
    const compensating = await compensateOnCancel(uow, deps, run, reason);
    if (compensating) return { workflowRunId: runId, status: compensating.status, cancelled: true };
    const updated = await endRunEarly(uow, deps, run, {
      status: "CANCELLED",
      error: { code: "CANCELLED", message: reason },
      event: { type: "workflow.cancelled", payload: { reason } },
    });
    return { workflowRunId: runId, status: updated.status, cancelled: true };
  });
  if (result.cancelled) {
    deps.inFlight.abortRun(
      runId,
      "cancelled",
      new RatchetError("RUN_CANCELLED", `[ratchet] run ${runId} was cancelled: ${reason}`, {
        workflowRunId: runId,
      }),
    );
  }
  return result;
}

/**
 * A running run whose completed stages declare compensations is not ended `CANCELLED`: its
 * unfinished stages are cancelled and it goes `COMPENSATING` (see `internal/compensation/`).
 * Returns the updated run, or `undefined` when there is nothing to compensate.
 */
async function compensateOnCancel(
  uow: UnitOfWork,
  deps: KernelDeps,
  run: RunRecord,
  reason: string,
): Promise<RunRecord | undefined> {
  const workflow = run.status === "RUNNING" ? deps.registry.getDefinition(run) : undefined;
  if (!workflow || !hasCompensations(workflow)) return undefined;
  const records = await uow.tx.listStages(run.id);
  if (!records.some((r) => r.status === "COMPLETED")) return undefined;
  await cancelRemaining(uow, deps, run.id, records);
  const error = { code: "CANCELLED", message: reason };
  return beginCompensation(deps, uow, run, workflow, records, "CANCELLED", error);
}

/** `run.cancel`: its schema, fast check and handler. */
export const runCancelModule = defineCommand<RunCancelCommand, RunCancelResult>({
  type: "run.cancel",
  schema: z.object({
    type: z.literal("run.cancel"),
    workflowRunId: id,
    reason: z.string().max(2000).optional(),
    expectedVersion: nonNegativeInt.optional(),
    ifActive: z.boolean().optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workflowRunId) &&
    optional(c.reason, isReason) &&
    optional(c.expectedVersion, isNonNegativeInt) &&
    optional(c.ifActive, (v) => typeof v === "boolean"),
  handle: runCancel,
});
