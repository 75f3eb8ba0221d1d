/**
 * `approvals.list`: the approvals waiting for a decision, oldest first, with what the step
 * says about them (title, approvers) when this kernel has the run's workflow.
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional } from "./fields.js";

/** Lists pending approvals. */
export interface ApprovalsListCommand {
  type: "approvals.list";
  /** Only this run's. */
  workflowRunId?: string;
  /** Default 100, at most 1,000. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

/** A pending approval. */
export interface PendingApproval {
  workflowRunId: string;
  workflowId: string | null;
  stageId: string;
  title: string | null;
  /** Who may decide; `null`: anyone. */
  approvers: string[] | null;
  waitingSince: Date;
  /** When it expires; `null`: never. */
  expiresAt: Date | null;
}

/** Result of `approvals.list`. */
export interface ApprovalsListResult {
  approvals: PendingApproval[];
  /** Pass as `cursor` for the next page; absent on the last. */
  cursor?: string;
}

/** Handles `approvals.list`. */
export async function approvalsList(
  command: ApprovalsListCommand,
  deps: KernelDeps,
): Promise<ApprovalsListResult> {
  const limit = Math.min(command.limit ?? 100, 1_000);
  const after = command.cursor ? decodeCursor(command.cursor) : undefined;
  const waits = await deps.persistence.listSignalWaits({
    kind: "approval",
    ...(command.workflowRunId !== undefined ? { runId: command.workflowRunId } : {}),
    ...(after ? { after } : {}),
    limit: limit + 1,
  });
  const page = waits.slice(0, limit);
  const approvals: PendingApproval[] = [];
  for (const wait of page) {
    const run = await deps.persistence.getRun(wait.runId);
    const stage = run ? deps.registry.getDefinition(run)?.getStage(wait.stageId)?.stage : undefined;
    approvals.push({
      workflowRunId: wait.runId,
      workflowId: run?.workflowId ?? null,
      stageId: wait.stageId,
      title: stage?.approval?.title ?? null,
      approvers: stage?.approval?.approvers ? [...stage.approval.approvers] : null,
      waitingSince: wait.createdAt,
      expiresAt: wait.expiresAt,
    });
  }
  const last = page[page.length - 1];
  return waits.length > limit && last
    ? { approvals, cursor: `${last.createdAt.toISOString()}|${last.stageRecordId}` }
    : { approvals };
}

function decodeCursor(cursor: string): { createdAt: Date; stageRecordId: string } | undefined {
  const [at, stageRecordId] = cursor.split("|");
  const createdAt = new Date(at ?? "");
  return stageRecordId && !Number.isNaN(createdAt.getTime())
    ? { createdAt, stageRecordId }
    : undefined;
}

/** `approvals.list`: its schema, fast check and handler. */
export const approvalsListModule = defineCommand<ApprovalsListCommand, ApprovalsListResult>({
  type: "approvals.list",
  schema: z.object({
    type: z.literal("approvals.list"),
    workflowRunId: id.optional(),
    limit: z.number().int().positive().max(1_000).optional(),
    cursor: z.string().max(500).optional(),
  }),
  isWellFormed: (c) =>
    optional(c.workflowRunId, isId) &&
    optional(c.limit, (v) => isPositiveInt(v) && (v as number) <= 1_000) &&
    optional(c.cursor, (v) => typeof v === "string" && v.length <= 500),
  handle: approvalsList,
});
