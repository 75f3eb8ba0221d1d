/**
 * `ratchet runs`: the newest runs as a table (or JSON), filtered by status (one or several),
 * workflow, parent run and creation time, a page at a time (`--cursor` continues where an
 * earlier listing stopped). Its action `migrate`
 * (`ratchet runs migrate`) moves waiting runs to another workflow version.
 */
import { RUN_STATUSES, RUNS_DEFAULT_LIMIT } from "./option-values.js";
import { runsMigrateCommand } from "./runs-migrate.js";
import type { CommandSpec } from "./spec.js";

/** `ratchet runs`. */
export const runsCommand: CommandSpec = {
  name: "runs",
  summary: "List runs, newest first",
  description:
    "Lists the newest runs (id, workflow, workflow version, status, creation time, duration, error code), optionally only those in some statuses (--status FAILED,TIMED_OUT), of a workflow, started by a parent run (--parent), or created in a window (--since, --until: an ISO date or date-time, or a time ago such as 30m, 6h, 7d). VERSION is the version of the workflow definition the run started on (`-` for runs stored before runs recorded versions); --json adds its fingerprint. When more runs follow, the last line says how to list them (--cursor). With --quiet only the ids are printed. The action `migrate` moves waiting runs to another version (ratchet runs migrate --help).",
  positionals: [],
  options: {
    status: {
      type: "string",
      value: "<status,…>",
      description: `only runs with one of these statuses (comma-separated): ${RUN_STATUSES.join(", ")}`,
    },
    workflow: { type: "string", value: "<workflowId>", description: "only runs of this workflow" },
    parent: {
      type: "string",
      value: "<runId>",
      description: "only the child runs this run started",
    },
    since: {
      type: "string",
      value: "<time>",
      description:
        "only runs created at or after: 2026-03-01, 2026-03-01T12:00:00Z, or 30m/6h/7d ago",
    },
    until: {
      type: "string",
      value: "<time>",
      description: "only runs created at or before (same forms as --since)",
    },
    limit: {
      type: "string",
      value: "<n>",
      description: "most runs to list (1–1000)",
      defaultText: String(RUNS_DEFAULT_LIMIT),
    },
    cursor: {
      type: "string",
      value: "<cursor>",
      description: "continue after an earlier listing (the cursor it printed)",
    },
  },
  examples: [
    "ratchet runs",
    "ratchet runs --status FAILED --limit 5",
    "ratchet runs --status FAILED,TIMED_OUT --workflow order --since 24h",
    "ratchet runs --parent 0193f0c2-… --json",
    "ratchet runs --json",
    "ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./dist/workflows.js --dry-run",
  ],
  actions: [runsMigrateCommand],
  async run(context) {
    const { runRuns } = await import("../handlers/runs.js");
    return runRuns(context);
  },
};
