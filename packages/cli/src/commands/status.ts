/**
 * `ratchet status <runId>`: a run's status, the workflow version it started on, its stages
 * (status, attempt, timings), its output or error — and, for a run waiting for a worker, which
 * definition that worker must have.
 */
import { RunNotFoundError } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import { waitingForOf } from "../deploys/waiting-for.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import { definitionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet status`. */
export const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show a run: status, version, stages, output or error",
  description:
    "Prints a run's status, the version and fingerprint of the workflow definition it started on, each stage's status, attempt and timings, and the run's output (or its error). A run waiting for a worker — PENDING, or RUNNING with stages queued and none being executed — gets a line naming the definition that worker must have (workers take only runs of definitions they register). Stages are shown in the order of the run's own definition when the registered workflows (--workflows, else the built-in ones) have it. --json adds `workflowVersion` and `fingerprint` to the run and a `waitingFor` object when it waits. Exits 0 whenever the run exists, whatever its status; an unknown id is RUN_NOT_FOUND (exit 1). With --quiet only the status is printed.",
  positionals: [
    {
      name: "runId",
      description: "the run's id (from `ratchet run` or `ratchet runs`)",
      required: true,
    },
  ],
  options: { workflows: WORKFLOWS_OPTION },
  examples: [
    "ratchet status 0193f0c2-…",
    "ratchet status 0193f0c2-… --json",
    "ratchet status 0193f0c2-… --workflows ./dist/workflows.js",
  ],
  async run(context) {
    const runId = context.positionals[0] ?? "";
    const { out, globals } = context;
    const workflows = await resolveWorkflows(
      stringOption(context.options, "workflows"),
      context.io.cwd,
    );
    const { run, stages, jobs } = await withDatabase(context, async (stack) => {
      const found = await stack.queries.getRun(runId);
      if (!found) throw new RunNotFoundError(runId);
      const active =
        found.run.status === "RUNNING" ? await stack.jobTransport.activeJobsForRun(runId) : [];
      return { ...found, jobs: active };
    });
    const order = stageIdsOf(definitionOf(run, workflows));
    const waitingFor = waitingForOf(run, jobs);
    if (globals.json) out.json(runJson(run, stages, order, waitingFor));
    else if (globals.quiet) out.line(run.status);
    else
      for (const line of renderRunDetails(run, stages, out.style, order, waitingFor))
        out.line(line);
    return ExitCode.OK;
  },
};
