/**
 * `ratchet graph <workflowId>`: a workflow definition as a Mermaid flowchart (the kernel's
 * `workflowMermaid`) — its stages, parallel groups, choices, loops, jumps and waits. It reads
 * the registered workflows (--workflows, else the built-in ones); no database is opened.
 */
import {
  type AnyWorkflow,
  RatchetError,
  WorkflowNotFoundError,
  workflowMermaid,
} from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import { newestVersionOf, resolveWorkflows } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

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

/** `ratchet graph`. */
export const graphCommand: CommandSpec = {
  name: "graph",
  summary: "Print a workflow definition as a Mermaid diagram",
  description:
    "Prints the definition of a registered workflow (--workflows, else the built-in ones; the newest version unless --version names another) as a Mermaid `flowchart`: the run's start and end, each stage (labelled with its id, its name, and for a waiting step what it waits for: a signal, an approval, a child workflow, a map, a sleep or a poll), a parallel group as a fork into its stages and a join after them, where each group goes next (jumps and ends included), a choice's branches, and a loop's way back (dotted, `again`). Paste the text into any Mermaid renderer (GitHub renders ```mermaid blocks). --json prints { workflowId, version, fingerprint, mermaid }. No database is opened.",
  positionals: [{ name: "workflowId", description: "the workflow to draw", required: true }],
  options: {
    version: {
      type: "string",
      value: "<version>",
      description: "the version of the workflow to draw",
      defaultText: "the newest registered",
    },
    workflows: WORKFLOWS_OPTION,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "the diagram was printed" },
    {
      code: ExitCode.FAILURE,
      meaning: "error [WORKFLOW_NOT_FOUND]: no such workflow (or version)",
    },
  ],
  examples: [
    "ratchet graph document-pipeline",
    "ratchet graph order --workflows ./dist/workflows.js --version 2 > order.mmd",
  ],
  async run(context) {
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
  },
};
