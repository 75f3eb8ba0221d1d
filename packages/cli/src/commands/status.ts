/**
 * `ratchet status <runId>`: a run's status, the workflow version it started on, its parent and
 * child runs, its stages (status, attempt, timings, what a waiting one waits for), its output or
 * error — and, for a run waiting for a worker, which definition that worker must have.
 */
import { loadRunInspection, RunNotFoundError } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { stringOption } from "../cli/values.js";
import { waitingForOf } from "../deploys/waiting-for.js";
import { TIMELINE_OPTION, timelineLines } from "../render/inspection.js";
import { renderRunDetails, runJson } from "../render/run-details.js";
import type { RunChildren } from "../render/run-links.js";
import { FOLLOW_OPTIONS } from "../runtime/follow.js";
import { definitionOf, resolveWorkflows, stageIdsOf } from "../runtime/workflows.js";
import { WORKFLOWS_OPTION, withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";
import { followStatus } from "./status-follow.js";

/** Most child runs shown (the newest). */
const CHILDREN_SHOWN = 50;

/** `ratchet status`. */
export const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show a run: status, version, stages, output or error",
  description:
    "Prints a run's status, the version and fingerprint of the workflow definition it started on, its parent run (when a child workflow step started it) and its child runs (the newest 50), each stage's status, attempt and timings — and for a waiting stage what it waits for: a signal (name, key, time-out), an approval (expiry; decide it with `ratchet approve`) or a child run — and the run's output (or its error). A run waiting for a worker — PENDING, or RUNNING with stages queued and none being executed — gets a line naming the definition that worker must have (workers take only runs of definitions they register). Stages are shown in the order of the run's own definition when the registered workflows (--workflows, else the built-in ones) have it. --json adds `workflowVersion`, `fingerprint` and `parentRunId` to the run, `children` (and `moreChildren`), a `wait` object to each waiting stage, and a `waitingFor` object when it waits for a worker. Exits 0 whenever the run exists, whatever its status; an unknown id is RUN_NOT_FOUND (exit 1). Each stage shows its live state — RUNNING while a worker holds its job's lease (the worker and the age of its last heartbeat; nothing is written when a stage starts), RETRY_WAIT with the next retry's time — its attempt of max, start and end, and each earlier attempt's error with the first frame of its stack. --json adds `inspection` (every stage's state, attempts with their errors and full trimmed stacks, lease, and the run's timeline); --timeline prints the timeline: one line per event, times relative to the run's creation. With --quiet only the status is printed. With --follow it first shows the run's progress as it goes (redrawn in place on a terminal, a line per step forward otherwise; polled every --interval ms) until the run ends, then prints the status, and exits 0 if the run completed, 1 if it failed, was cancelled or timed out, 130 on Ctrl-C.",
  positionals: [
    {
      name: "runId",
      description: "the run's id (from `ratchet run` or `ratchet runs`)",
      required: true,
    },
  ],
  options: { workflows: WORKFLOWS_OPTION, ...FOLLOW_OPTIONS, timeline: TIMELINE_OPTION },
  examples: [
    "ratchet status 0193f0c2-…",
    "ratchet status 0193f0c2-… --follow",
    "ratchet status 0193f0c2-… --json",
    "ratchet status 0193f0c2-… --timeline",
    "ratchet status 0193f0c2-… --workflows ./dist/workflows.js",
  ],
  async run(context) {
    if (context.options.follow === true)
      return followStatus(context, () =>
        statusCommand.run({ ...context, options: { ...context.options, follow: false } }),
      );
    const runId = context.positionals[0] ?? "";
    const { out, globals } = context;
    const workflows = await resolveWorkflows(
      stringOption(context.options, "workflows"),
      context.io.cwd,
    );
    const { run, stages, jobs, children, inspection } = await withDatabase(
      context,
      async (stack) => {
        const found = await stack.queries.getRun(runId);
        if (!found) throw new RunNotFoundError(runId);
        // Live state from the run's jobs and events, on the stack's clock (leases are on it).
        const inspected = await loadRunInspection(stack.queries, runId, stack.clock.now());
        const active =
          found.run.status === "RUNNING" ? await stack.jobTransport.activeJobsForRun(runId) : [];
        const page = await stack.queries.listRuns({ parentRunId: runId, limit: CHILDREN_SHOWN });
        const kids: RunChildren = { runs: page.runs, more: page.nextCursor !== null };
        return { ...found, jobs: active, children: kids, inspection: inspected ?? undefined };
      },
    );
    const order = stageIdsOf(definitionOf(run, workflows));
    // A job waiting for its retry's back-off is not waiting for a worker.
    const now = inspection?.now.getTime() ?? Date.now();
    const waitingFor = waitingForOf(
      run,
      jobs.filter((job) => job.status !== "PENDING" || job.availableAt.getTime() <= now),
    );
    if (globals.json) out.json(runJson(run, stages, order, waitingFor, children, inspection));
    else if (globals.quiet) out.line(run.status);
    else {
      for (const line of renderRunDetails(
        run,
        stages,
        out.style,
        order,
        waitingFor,
        children,
        inspection,
      ))
        out.line(line);
      if (inspection && context.options.timeline === true)
        for (const line of timelineLines(inspection, out.style)) out.line(line);
    }
    return ExitCode.OK;
  },
};
