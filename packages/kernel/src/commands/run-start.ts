/**
 * `run.start`: releases a `SCHEDULED` run — a delayed start whose time has come (the scheduler
 * dispatches it) — to `PENDING`, where workers claim it. A run that is no longer `SCHEDULED`
 * (cancelled meanwhile, or released already) is left as it is.
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { commitRun, inTransaction } from "../internal/tx/unit-of-work.js";
import type { RunStatus } from "../records.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Releases a delayed run. */
export interface RunStartCommand {
  type: "run.start";
  workflowRunId: string;
}

/** Result of `run.start`. */
export interface RunStartResult {
  workflowRunId: string;
  /** False when the run was not `SCHEDULED` (or does not exist). */
  started: boolean;
  status: RunStatus | null;
}

/** Handles `run.start`. */
export async function runStart(
  command: RunStartCommand,
  deps: KernelDeps,
): Promise<RunStartResult> {
  const runId = command.workflowRunId;
  return inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (run?.status !== "SCHEDULED")
      return { workflowRunId: runId, started: false, status: run?.status ?? null };
    uow.event(run, "workflow.due", {});
    const updated = await commitRun(uow, run, { status: "PENDING" });
    return { workflowRunId: runId, started: true, status: updated.status };
  });
}

/** `run.start`: its schema, fast check and handler. */
export const runStartModule = defineCommand<RunStartCommand, RunStartResult>({
  type: "run.start",
  schema: z.object({ type: z.literal("run.start"), workflowRunId: id }),
  isWellFormed: (c) => isId(c.workflowRunId),
  handle: runStart,
});
