/**
 * `ratchet runs`: the newest runs as a table (or JSON), filtered by status (one or several),
 * workflow, parent run and creation time, a page at a time (`--cursor` continues where an
 * earlier listing stopped). Its action `migrate`
 * (`ratchet runs migrate`) moves waiting runs to another workflow version.
 */
import type { RunRecord, RunStatus } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { timeOption } from "../cli/time-values.js";
import { integerOption, stringOption } from "../cli/values.js";
import { checkCursorOption, listRecentRuns, type RecentRunsQuery } from "../db/recent-runs.js";
import { formatDuration, statusText } from "../render/format.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";
import { runsMigrateCommand } from "./runs-migrate.js";
import { withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

const STATUSES: readonly RunStatus[] = [
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "COMPENSATING",
  "COMPENSATED",
  "COMPENSATION_FAILED",
];

/** Runs listed when `--limit` is absent. */
const DEFAULT_LIMIT = 20;

function durationOf(run: RunRecord): number | null {
  return run.completedAt
    ? run.completedAt.getTime() - (run.startedAt ?? run.createdAt).getTime()
    : null;
}

/** The version column of a run: its workflow version, `-` for a run stored before versions. */
function versionOf(run: RunRecord): string {
  return run.fingerprint === "" ? "-" : run.workflowVersion;
}

/** `--status`: one status or several, comma-separated, case-insensitive. */
function statusesOf(raw: string | undefined): RunStatus[] | undefined {
  if (raw === undefined) return undefined;
  const statuses = raw.split(",").map((word) => {
    const match = STATUSES.find((status) => status.toLowerCase() === word.trim().toLowerCase());
    if (match === undefined)
      throw new UsageError(
        `--status must be one or more (comma-separated) of ${STATUSES.join(", ")}, got ${JSON.stringify(word.trim())}`,
        { field: "--status" },
      );
    return match;
  });
  return [...new Set(statuses)];
}

/** The command listing the page after `cursor`, with the same filters and limit. */
function nextPageCommand(query: RecentRunsQuery, cursor: string): string {
  const words = ["ratchet runs"];
  const statuses = query.status === undefined ? [] : [query.status].flat();
  if (statuses.length > 0) words.push(`--status ${statuses.join(",")}`);
  if (query.workflowId !== undefined) words.push(`--workflow ${shellWord(query.workflowId)}`);
  if (query.parentRunId !== undefined) words.push(`--parent ${shellWord(query.parentRunId)}`);
  if (query.since !== undefined) words.push(`--since ${query.since.toISOString()}`);
  if (query.until !== undefined) words.push(`--until ${query.until.toISOString()}`);
  if (query.limit !== DEFAULT_LIMIT) words.push(`--limit ${query.limit}`);
  words.push(`--cursor ${shellWord(cursor)}`);
  return words.join(" ");
}

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
      description: `only runs with one of these statuses (comma-separated): ${STATUSES.join(", ")}`,
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
      defaultText: String(DEFAULT_LIMIT),
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
    const { out, globals, options } = context;
    const now = new Date();
    const query: RecentRunsQuery = {
      status: statusesOf(stringOption(options, "status")),
      workflowId: stringOption(options, "workflow"),
      parentRunId: stringOption(options, "parent"),
      since: timeOption(options, "since", now),
      until: timeOption(options, "until", now),
      limit: integerOption(options, "limit", { min: 1, max: 1_000, fallback: DEFAULT_LIMIT }),
      cursor: checkCursorOption(stringOption(options, "cursor")),
    };
    const { runs, nextCursor } = await withDatabase(context, (stack) =>
      listRecentRuns(stack.queries, query),
    );
    if (globals.json) {
      out.json({
        runs: runs.map((run) => ({
          id: run.id,
          workflowId: run.workflowId,
          workflowVersion: run.workflowVersion,
          fingerprint: run.fingerprint,
          status: run.status,
          priority: run.priority,
          parentRunId: run.parentRunId,
          createdAt: run.createdAt,
          startedAt: run.startedAt,
          completedAt: run.completedAt,
          durationMs: durationOf(run),
          error: run.error,
        })),
        nextCursor,
      });
      return ExitCode.OK;
    }
    if (globals.quiet) {
      for (const run of runs) out.line(run.id);
      return ExitCode.OK;
    }
    if (runs.length === 0) {
      out.line("no runs found");
      return ExitCode.OK;
    }
    const { style } = out;
    const rows = runs.map((run) => [
      run.id,
      run.workflowId,
      versionOf(run),
      statusText(run.status, style),
      formatTimestamp(run.createdAt),
      formatDuration(durationOf(run) ?? undefined),
      run.error ? style.red(run.error.code) : "",
    ]);
    for (const line of renderTable(
      ["RUN", "WORKFLOW", "VERSION", "STATUS", "CREATED", "DURATION", "ERROR"],
      rows,
      style,
    ))
      out.line(line);
    if (nextCursor !== null) out.line(style.dim(`more: ${nextPageCommand(query, nextCursor)}`));
    return ExitCode.OK;
  },
};
