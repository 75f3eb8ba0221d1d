/**
 * `ratchet status <runId>`: a run's status, its stages (status, attempt, timings), and its
 * output or error.
 */
import { RunNotFoundError } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import { builtInWorkflows, stageIdsOf } from "../runtime/workflows.js";
import { withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet status`. */
export const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show a run: status, stages, output or error",
  description:
    "Prints a run's status, each stage's status, attempt and timings, and the run's output (or its error). Exits 0 whenever the run exists, whatever its status; an unknown id is RUN_NOT_FOUND (exit 1). With --quiet only the status is printed.",
  positionals: [
    {
      name: "runId",
      description: "the run's id (from `ratchet run` or `ratchet runs`)",
      required: true,
    },
  ],
  options: {},
  examples: ["ratchet status 0193f0c2-…", "ratchet status 0193f0c2-… --json"],
  async run(context) {
    const runId = context.positionals[0] ?? "";
    const { out, globals } = context;
    const { run, stages } = await withDatabase(context, async (stack) => {
      const found = await stack.queries.getRun(runId);
      if (!found) throw new RunNotFoundError(runId);
      return found;
    });
    const order = stageIdsOf(builtInWorkflows().find((w) => w.id === run.workflowId));
    if (globals.json) out.json(runJson(run, stages, order));
    else if (globals.quiet) out.line(run.status);
    else for (const line of renderRunDetails(run, stages, out.style, order)) out.line(line);
    return ExitCode.OK;
  },
};
