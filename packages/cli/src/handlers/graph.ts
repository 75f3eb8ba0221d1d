/**
 * What `ratchet graph` does (its definition is `commands/graph.ts`): the kernel's
 * `workflowMermaid` of the registered definition asked for. No database is opened.
 */
import {
  type AnyWorkflow,
  RatchetError,
  WorkflowNotFoundError,
  workflowMermaid,
} from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { newestVersionOf, resolveWorkflows } from "../runtime/workflows.js";

/** The definition to draw: the version asked for, else the newest registered. */
function definitionFor(
  workflowId: string,
  version: string | undefined,
  workflows: readonly AnyWorkflow[],
): AnyWorkflow {
  const found =
    version === undefined
      ? newestVersionOf(workflowId, workflows)
      : workflows.find((w) => w.id === workflowId && w.version === version);
  if (found) return found;
  const versions = workflows.filter((w) => w.id === workflowId).map((w) => w.version);
  if (version === undefined || versions.length === 0) throw new WorkflowNotFoundError(workflowId);
  throw new RatchetError(
    "WORKFLOW_NOT_FOUND",
    `workflow "${workflowId}" has no registered version "${version}" (registered: ${versions.join(", ")})`,
    { workflowId, field: "--version" },
  );
}

/** Runs `ratchet graph`; resolves to the exit code. */
export async function runGraph(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const workflowId = context.positionals[0] ?? "";
  const workflows = await resolveWorkflows(stringOption(options, "workflows"), context.io.cwd);
  const workflow = definitionFor(workflowId, stringOption(options, "version"), workflows);
  const mermaid = workflowMermaid(workflow);
  if (globals.json)
    out.json({
      workflowId: workflow.id,
      version: workflow.version,
      fingerprint: workflow.fingerprint,
      mermaid,
    });
  else out.line(mermaid);
  return ExitCode.OK;
}
