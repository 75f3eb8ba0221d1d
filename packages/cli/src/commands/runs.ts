/**
 * `ratchet runs`: the newest runs as a table (or JSON), filtered by status and workflow, a page
 * at a time (`--cursor` continues where an earlier listing stopped). Its action `migrate`
 * (`ratchet runs migrate`) moves waiting runs to another workflow version.
 */
import type { RunRecord, RunStatus } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { choiceOption, integerOption, stringOption } from "../cli/values.js";
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

/** The command listing the page after `cursor`, with the same filters and limit. */
function nextPageCommand(query: RecentRunsQuery, cursor: string): string {
  const words = ["ratchet runs"];
  if (query.status !== undefined) words.push(`--status ${query.status}`);
  if (query.workflowId !== undefined) words.push(`--workflow ${shellWord(query.workflowId)}`);
  if (query.limit !== DEFAULT_LIMIT) words.push(`--limit ${query.limit}`);
  words.push(`--cursor ${shellWord(cursor)}`);
  return words.join(" ");
}

/** `ratchet runs`. */
export const runsCommand: CommandSpec = {
  name: "runs",
  summary: "List runs, newest first",
  description:
    "Lists the newest runs (id, workflow, workflow version, status, creation time, duration, error code), optionally only those with a status or of a workflow. VERSION is the version of the workflow definition the run started on (`-` for runs stored before runs recorded versions); --json adds its fingerprint. When more runs follow, the last line says how to list them (--cursor). With --quiet only the ids are printed. The action `migrate` moves waiting runs to another version (ratchet runs migrate --help).",
  positionals: [],
  options: {
    status: {
      type: "string",
      value: "<status>",
      description: `only runs with this status: ${STATUSES.join(", ")}`,
    },
    workflow: { type: "string", value: "<workflowId>", description: "only runs of this workflow" },
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
    "ratchet runs --json",
    "ratchet runs migrate --workflow order --from 1 --to 2 --workflows ./dist/workflows.js --dry-run",
  ],
  actions: [runsMigrateCommand],
  async run(context) {
    const { out, globals, options } = context;
    const query: RecentRunsQuery = {
      status: choiceOption(options, "status", STATUSES),
      workflowId: stringOption(options, "workflow"),
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
