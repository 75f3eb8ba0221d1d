/**
 * `ratchet status <runId>`: a run's status, the workflow version it started on, its parent and
 * child runs, its stages (status, attempt, timings, what a waiting one waits for), its output or
 * error — and, for a run waiting for a worker, which definition that worker must have.
 */
import { TIMELINE_OPTION } from "../render/inspection.js";
import { FOLLOW_OPTIONS } from "../runtime/follow.js";
import { WORKFLOWS_OPTION } from "./shared.js";
import type { CommandSpec } from "./spec.js";

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
    const { runStatus } = await import("../handlers/status.js");
    return runStatus(context);
  },
};
