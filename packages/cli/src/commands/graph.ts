/**
 * `ratchet graph <workflowId>`: a workflow definition as a Mermaid flowchart (the kernel's
 * `workflowMermaid`) — its stages, parallel groups, choices, loops, jumps and waits. It reads
 * the registered workflows (--workflows, else the built-in ones); no database is opened.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

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
    const { runGraph } = await import("../handlers/graph.js");
    return runGraph(context);
  },
};
