/**
 * What `ratchet approvals` does (its definition is `commands/approvals.ts`): `approvals.list`,
 * a page at a time, as a table, ids or JSON.
 */
import type { ApprovalsListCommand, PendingApproval } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { APPROVALS_DEFAULT_LIMIT } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";

/** The command listing the page after `cursor`, with the same filter and limit. */
function nextPageCommand(query: ApprovalsListCommand, cursor: string): string {
  const words = ["ratchet approvals"];
  if (query.workflowRunId !== undefined) words.push(`--run ${shellWord(query.workflowRunId)}`);
  if (query.limit !== APPROVALS_DEFAULT_LIMIT) words.push(`--limit ${query.limit}`);
  words.push(`--cursor ${shellWord(cursor)}`);
  return words.join(" ");
}

function approvalJson(approval: PendingApproval): Record<string, unknown> {
  return {
    workflowRunId: approval.workflowRunId,
    workflowId: approval.workflowId,
    stageId: approval.stageId,
    title: approval.title,
    approvers: approval.approvers,
    waitingSince: approval.waitingSince,
    expiresAt: approval.expiresAt,
  };
}

/** Runs `ratchet approvals`; resolves to the exit code. */
export async function runApprovals(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const runId = stringOption(options, "run");
  const cursor = stringOption(options, "cursor");
  const query: ApprovalsListCommand = {
    type: "approvals.list",
    limit: integerOption(options, "limit", {
      min: 1,
      max: 1_000,
      fallback: APPROVALS_DEFAULT_LIMIT,
    }),
    ...(runId === undefined ? {} : { workflowRunId: runId }),
    ...(cursor === undefined ? {} : { cursor }),
  };
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const { approvals, cursor: next } = await withDatabase(context, (stack) =>
    createCommandKernel(stack, workflows).dispatch(query),
  );
  if (globals.json) {
    out.json({ approvals: approvals.map(approvalJson), nextCursor: next ?? null });
    return ExitCode.OK;
  }
  if (globals.quiet) {
    for (const approval of approvals) out.line(`${approval.workflowRunId} ${approval.stageId}`);
    return ExitCode.OK;
  }
  if (approvals.length === 0) {
    out.line("no approvals are waiting");
    return ExitCode.OK;
  }
  const { style } = out;
  const known = new Set(workflows.map((workflow) => workflow.id));
  // Without the step's definition nothing is known of its approvers: `-`, not "anyone".
  const approversOf = (approval: PendingApproval) =>
    approval.approvers?.join(", ") ??
    (known.has(approval.workflowId ?? "") ? style.dim("anyone") : "-");
  const rows = approvals.map((approval) => [
    approval.workflowRunId,
    approval.workflowId ?? "-",
    approval.stageId,
    approval.title ?? "-",
    approversOf(approval),
    formatTimestamp(approval.waitingSince),
    approval.expiresAt ? formatTimestamp(approval.expiresAt) : style.dim("never"),
  ]);
  for (const line of renderTable(
    ["RUN", "WORKFLOW", "STEP", "TITLE", "APPROVERS", "WAITING SINCE", "EXPIRES"],
    rows,
    style,
  ))
    out.line(line);
  if (next !== undefined) out.line(style.dim(`more: ${nextPageCommand(query, next)}`));
  return ExitCode.OK;
}
