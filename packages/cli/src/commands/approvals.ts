/**
 * `ratchet approvals`: the approvals waiting for a decision (oldest first) — run, workflow,
 * step, title, approvers, since when and until when — through `approvals.list`, a page at a
 * time.
 */
import { APPROVALS_DEFAULT_LIMIT } from "./option-values.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

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
      defaultText: String(APPROVALS_DEFAULT_LIMIT),
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
    const { runApprovals } = await import("../handlers/approvals.js");
    return runApprovals(context);
  },
};
