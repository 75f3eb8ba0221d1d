/**
 * `approval.decide`: approves or rejects a pending approval step, recording who decided, when
 * and with what comment. A decision is a signal to the step (`approval:<step id>`), so it is
 * consumed exactly once; deciding an approval that is not pending, or as someone not among the
 * step's `approvers`, is refused with a typed error.
 */
import { z } from "zod";
import { encodeValue } from "../codec.js";
import { approvalDecisionSchema, approvalSignalName } from "../dsl/signal-steps.js";
import { RatchetError, RunNotFoundError, StageNotFoundError } from "../errors.js";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { definitionOf } from "../internal/run/definition.js";
import { inTransaction } from "../internal/tx/unit-of-work.js";
import { deliverSignal } from "../internal/waits/deliver.js";
import { defineCommand } from "./command.js";
import { id, isId, optional } from "./fields.js";
import { settle } from "./run-signal.js";

/** Approves or rejects a pending approval step. */
export interface ApprovalDecideCommand {
  type: "approval.decide";
  workflowRunId: string;
  /** The approval step's id. */
  stageId: string;
  decision: "approve" | "reject";
  /** Who decides (checked against the step's `approvers`, when it has them). */
  by: string;
  comment?: string;
  /** Makes the decision idempotent (a retried webhook): a second one with this id does nothing. */
  decisionId?: string;
}

/** Result of `approval.decide`. */
export interface ApprovalDecideResult {
  workflowRunId: string;
  stageId: string;
  /** `duplicate`: a decision with this `decisionId` was taken before. */
  status: "decided" | "duplicate";
}

/** Handles `approval.decide`. */
export async function approvalDecide(
  command: ApprovalDecideCommand,
  deps: KernelDeps,
): Promise<ApprovalDecideResult> {
  const runId = command.workflowRunId;
  const ids = { workflowRunId: runId, stageId: command.stageId };
  const run = await deps.persistence.getRun(runId);
  if (!run) throw new RunNotFoundError(runId);
  const stage = definitionOf(deps, run).getStage(command.stageId)?.stage;
  if (!stage) throw new StageNotFoundError(command.stageId, ids);
  if (stage.stepType !== "approval") {
    throw new RatchetError(
      "NOT_AN_APPROVAL",
      `[ratchet] step "${command.stageId}" of run ${runId} is not an approval step`,
      ids,
    );
  }
  const approvers = stage.approval?.approvers;
  if (approvers && !approvers.includes(command.by)) {
    throw new RatchetError(
      "NOT_AN_APPROVER",
      `[ratchet] "${command.by}" may not decide approval "${command.stageId}" (approvers: ${approvers.join(", ")})`,
      { ...ids, field: "by" },
    );
  }
  const name = approvalSignalName(command.stageId);
  const payload = encodeValue(
    approvalDecisionSchema.parse({
      decision: command.decision,
      by: command.by,
      ...(command.comment !== undefined ? { comment: command.comment } : {}),
    }),
    "payload",
  );
  const signalId = command.decisionId ?? deps.newId();
  const delivery = await inTransaction(deps, async (uow) => {
    const earlier = await uow.tx.getSignal(signalId);
    if (earlier) return { status: "duplicate" as const, consumedBy: earlier.consumedBy };
    const delivered = await deliverSignal(uow, deps, {
      id: signalId,
      runId,
      name,
      matchKey: null,
      payload,
    });
    // Nothing waited (not reached yet, decided or expired): a decision is never buffered, and
    // throwing rolls back the signal stored for later.
    if (delivered.status === "buffered" || delivered.status === "run-ended") {
      throw new RatchetError(
        "APPROVAL_NOT_PENDING",
        `[ratchet] approval "${command.stageId}" of run ${runId} is not waiting for a decision`,
        ids,
      );
    }
    return delivered;
  });
  await settle(deps, signalId, delivery);
  return { ...ids, status: delivery.status === "duplicate" ? "duplicate" : "decided" };
}

/** `approval.decide`: its schema, fast check and handler. */
export const approvalDecideModule = defineCommand<ApprovalDecideCommand, ApprovalDecideResult>({
  type: "approval.decide",
  schema: z.object({
    type: z.literal("approval.decide"),
    workflowRunId: id,
    stageId: id,
    decision: z.enum(["approve", "reject"]),
    by: z.string().min(1).max(200),
    comment: z.string().max(4000).optional(),
    decisionId: id.optional(),
  }),
  isWellFormed: (c) =>
    isId(c.workflowRunId) &&
    isId(c.stageId) &&
    (c.decision === "approve" || c.decision === "reject") &&
    typeof c.by === "string" &&
    c.by.length >= 1 &&
    c.by.length <= 200 &&
    optional(c.comment, (v) => typeof v === "string" && v.length <= 4000) &&
    optional(c.decisionId, isId),
  handle: approvalDecide,
});
