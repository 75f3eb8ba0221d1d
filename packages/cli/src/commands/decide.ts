/**
 * `ratchet approve <runId> <step>` and `ratchet reject <runId> <step>`: decide a pending
 * approval through `approval.decide`, as `--by` (default: the current user), with an optional
 * comment. The kernel checks the step against the run's workflow definition, so the workflows
 * of the run must be registered here (`--workflows`).
 */
import type { ApprovalDecideCommand } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

function decisionCommand(decision: ApprovalDecideCommand["decision"]): CommandSpec {
  const verb = decision === "approve" ? "Approve" : "Reject";
  const past = decision === "approve" ? "approved" : "rejected";
  return {
    name: decision,
    summary: `${verb} a pending approval step`,
    description: `Decides the approval step <step> of run <runId>: ${past}, by --by (default: $USER, else the login name from os.userInfo()), with an optional --comment. The step hands on { status: "${past}", by, comment, decidedAt } and the run goes on. Only a pending approval can be decided: one not reached yet, already decided or expired is APPROVAL_NOT_PENDING. The kernel checks the step in the run's workflow definition, so register it here with --workflows (the module your workers run); without it the built-in workflows are used. --id makes the decision idempotent (a retry with the same id is a duplicate, not an error). --json prints { workflowRunId, stageId, status, decision, by }; --quiet only the status (decided or duplicate).`,
    positionals: [
      { name: "runId", description: "the run waiting for the decision", required: true },
      { name: "step", description: "the approval step's id", required: true },
    ],
    options: {
      by: {
        type: "string",
        value: "<name>",
        description: "who decides (must be among the step's approvers, when it names them)",
        defaultText: "$USER, else the login name (os.userInfo().username)",
      },
      comment: { type: "string", value: "<text>", description: "why (kept in the step's output)" },
      id: {
        type: "string",
        value: "<decisionId>",
        description: "makes the decision idempotent: a repeat with the same id changes nothing",
      },
      workflows: WORKFLOWS_OPTION,
    },
    exitCodes: [
      { code: ExitCode.OK, meaning: `${past}, or a duplicate of an earlier --id` },
      {
        code: ExitCode.FAILURE,
        meaning:
          "error [CODE]: RUN_NOT_FOUND, STAGE_NOT_FOUND, NOT_AN_APPROVAL, NOT_AN_APPROVER, APPROVAL_NOT_PENDING",
      },
      {
        code: ExitCode.USAGE,
        meaning: "bad usage, or the run's workflow is not registered here (pass --workflows)",
      },
    ],
    examples: [
      `ratchet ${decision} 0193f0c2-… manager --by ann${decision === "approve" ? "" : ` --comment "over budget"`} --workflows ./dist/workflows.js`,
      `ratchet ${decision} 0193f0c2-… manager --id ticket-4711 --json --workflows ./dist/workflows.js`,
    ],
    async run(context) {
      const { runDecide } = await import("../handlers/decide.js");
      return runDecide(context, decision);
    },
  };
}

/** `ratchet approve`. */
export const approveCommand: CommandSpec = decisionCommand("approve");

/** `ratchet reject`. */
export const rejectCommand: CommandSpec = decisionCommand("reject");
