/**
 * `ratchet approve <runId> <step>` and `ratchet reject <runId> <step>`: decide a pending
 * approval through `approval.decide`, as `--by` (default: the current user), with an optional
 * comment. The kernel checks the step against the run's workflow definition, so the workflows
 * of the run must be registered here (`--workflows`).
 */
import {
  type ApprovalDecideCommand,
  type ApprovalDecideResult,
  DefinitionUnavailableError,
} from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { currentUser } from "../runtime/current-user.js";
import { resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandContext, CommandSpec } from "./spec.js";

type Decision = ApprovalDecideCommand["decision"];

/** Who decides: `--by`, else the current user; a usage error when neither is known. */
function deciderOf(context: CommandContext): string {
  const by = stringOption(context.options, "by") ?? currentUser(context.io.env);
  if (by === undefined || by.trim() === "") {
    throw new UsageError("--by is empty and the current user is unknown", {
      field: "--by",
      hint: "Say who decides: --by <name> (one of the step's approvers, when it names them).",
    });
  }
  return by;
}

/** The `approval.decide` command the line asks for. */
function decisionOf(context: CommandContext, decision: Decision): ApprovalDecideCommand {
  const comment = stringOption(context.options, "comment");
  const decisionId = stringOption(context.options, "id");
  return {
    type: "approval.decide",
    workflowRunId: context.positionals[0] ?? "",
    stageId: context.positionals[1] ?? "",
    decision,
    by: deciderOf(context),
    ...(comment === undefined ? {} : { comment }),
    ...(decisionId === undefined ? {} : { decisionId }),
  };
}

/** A definition this CLI lacks is a missing `--workflows`: say so, as a usage error. */
function missingDefinition(error: DefinitionUnavailableError, modulePath: string | undefined) {
  return new UsageError(
    `workflow "${error.workflowId}" version ${error.workflowVersion} of this run is not in ${modulePath ?? "the built-in workflows"}`,
    {
      field: "--workflows",
      hint: "Deciding checks the step in the run's workflow: pass --workflows <module> (the module your workers run).",
      cause: error,
    },
  );
}

async function decide(context: CommandContext, decision: Decision): Promise<number> {
  const command = decisionOf(context, decision);
  const { out, globals } = context;
  const modulePath = stringOption(context.options, "workflows");
  const workflows = await resolveWorkflows(modulePath, context.io.cwd);
  let result: ApprovalDecideResult;
  try {
    result = await withDatabase(context, (stack) =>
      createCommandKernel(stack, workflows).dispatch(command),
    );
  } catch (error) {
    if (error instanceof DefinitionUnavailableError) throw missingDefinition(error, modulePath);
    throw error;
  }
  if (globals.json) out.json({ ...result, decision, by: command.by });
  else if (globals.quiet) out.line(result.status);
  else if (result.status === "duplicate")
    out.line(
      `${out.style.dim("duplicate")}: decision ${command.decisionId ?? ""} was taken before; nothing changed`,
    );
  else {
    const verb = decision === "approve" ? out.style.green("approved") : out.style.red("rejected");
    out.line(
      `${verb} step ${command.stageId} of run ${out.style.bold(command.workflowRunId)} as ${command.by}`,
    );
  }
  return ExitCode.OK;
}

function decisionCommand(decision: Decision): CommandSpec {
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
    run: (context) => decide(context, decision),
  };
}

/** `ratchet approve`. */
export const approveCommand: CommandSpec = decisionCommand("approve");

/** `ratchet reject`. */
export const rejectCommand: CommandSpec = decisionCommand("reject");
