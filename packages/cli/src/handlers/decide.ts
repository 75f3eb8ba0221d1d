/**
 * What `ratchet approve` and `ratchet reject` do (their definitions are in `commands/decide.ts`):
 * `approval.decide` as `--by` (default: the current user).
 */
import {
  type ApprovalDecideCommand,
  type ApprovalDecideResult,
  DefinitionUnavailableError,
} from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import { createCommandKernel } from "../runtime/command-kernel.js";
import { currentUser } from "../runtime/current-user.js";
import { resolveWorkflows } from "../runtime/workflows.js";

/** `approve` or `reject`. */
export type Decision = ApprovalDecideCommand["decision"];

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

/** Runs `ratchet approve` or `ratchet reject`; resolves to the exit code. */
export async function runDecide(context: CommandContext, decision: Decision): Promise<number> {
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
