/**
 * `ratchet approvals`: the approvals waiting for a decision (oldest first) — run, workflow,
 * step, title, approvers, since when and until when — through `approvals.list`, a page at a
 * time.
 */
import type { ApprovalsListCommand, PendingApproval } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { integerOption, stringOption } from "../cli/values.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** Approvals listed when `--limit` is absent. */
const DEFAULT_LIMIT = 100;

/** The command listing the page after `cursor`, with the same filter and limit. */
function nextPageCommand(query: ApprovalsListCommand, cursor: string): string {
  const words = ["ratchet approvals"];
  if (query.workflowRunId !== undefined) words.push(`--run ${shellWord(query.workflowRunId)}`);
  if (query.limit !== DEFAULT_LIMIT) words.push(`--limit ${query.limit}`);
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

/** `ratchet approvals`. */
export const approvalsCommand: CommandSpec = {
  name: "approvals",
  summary: "List the approvals waiting for a decision",
  description:
    "Lists the pending approvals, oldest first: run, workflow, step, title, approvers (anyone when the step names none), since when it waits and when it expires. Title and approvers come from the step's definition, so they show when the run's workflow is registered here (--workflows), else as -; in --json, both are null then. Decide one with `ratchet approve` / `ratchet reject`. When more follow, the last line says how to list them (--cursor). --json prints { approvals: [{ workflowRunId, workflowId, stageId, title, approvers, waitingSince, expiresAt }], nextCursor }; --quiet one `<runId> <step>` line per approval.",
  positionals: [],
  options: {
    run: { type: "string", value: "<runId>", description: "only this run's approvals" },
    limit: {
      type: "string",
      value: "<n>",
      description: "most approvals to list (1–1000)",
      defaultText: String(DEFAULT_LIMIT),
    },
    cursor: {
      type: "string",
      value: "<cursor>",
      description: "continue after an earlier listing (the cursor it printed)",
    },
    workflows: WORKFLOWS_OPTION,
  },
  examples: [
    "ratchet approvals --workflows ./dist/workflows.js",
    "ratchet approvals --run 0193f0c2-… --json",
  ],
  async run(context) {
    const { out, globals, options } = context;
    const runId = stringOption(options, "run");
    const cursor = stringOption(options, "cursor");
    const query: ApprovalsListCommand = {
      type: "approvals.list",
      limit: integerOption(options, "limit", { min: 1, max: 1_000, fallback: DEFAULT_LIMIT }),
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
  },
};
