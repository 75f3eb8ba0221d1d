/**
 * `approval.escalate`: publishes `workflow.approval.escalated` for an approval still undecided
 * `escalateAfterMs` after it started waiting (scheduled by the step, dropped by its decision).
 * Whoever listens to the event sink escalates: pages a manager, posts to a channel.
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { commitRun, inTransaction } from "../internal/tx/unit-of-work.js";
import { defineCommand } from "./command.js";
import { id, isId } from "./fields.js";

/** Escalates an undecided approval. */
export interface ApprovalEscalateCommand {
  type: "approval.escalate";
  workflowRunId: string;
  stageRecordId: string;
}

/** Result of `approval.escalate`. */
export interface ApprovalEscalateResult {
  workflowRunId: string;
  /** False when the approval was no longer pending. */
  escalated: boolean;
}

/** Handles `approval.escalate`. */
export async function approvalEscalate(
  command: ApprovalEscalateCommand,
  deps: KernelDeps,
): Promise<ApprovalEscalateResult> {
  const runId = command.workflowRunId;
  const escalated = await inTransaction(deps, async (uow) => {
    const run = await uow.tx.getRun(runId, { forUpdate: true });
    if (run?.status !== "RUNNING") return false;
    const wait = await uow.tx.getSignalWait(command.stageRecordId);
    if (wait?.kind !== "approval") return false;
    uow.event(run, "workflow.approval.escalated", {
      stageId: wait.stageId,
      waitingSince: wait.createdAt.toISOString(),
      ...(wait.expiresAt ? { expiresAt: wait.expiresAt.toISOString() } : {}),
    });
    await commitRun(uow, run, {});
    return true;
  });
  return { workflowRunId: runId, escalated };
}

/** `approval.escalate`: its schema, fast check and handler. */
export const approvalEscalateModule = defineCommand<
  ApprovalEscalateCommand,
  ApprovalEscalateResult
>({
  type: "approval.escalate",
  schema: z.object({
    type: z.literal("approval.escalate"),
    workflowRunId: id,
    stageRecordId: id,
  }),
  isWellFormed: (c) => isId(c.workflowRunId) && isId(c.stageRecordId),
  handle: approvalEscalate,
});
