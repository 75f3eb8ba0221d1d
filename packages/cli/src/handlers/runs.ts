/**
 * What `ratchet runs` does (its definition is `commands/runs.ts`): lists the newest runs with
 * the filters asked for, a page at a time, as a table, ids or JSON.
 */
import type { RunRecord, RunStatus } from "@ratchet/kernel";
import { UsageError } from "../cli/errors.js";
import { ExitCode } from "../cli/exit-codes.js";
import { timeOption } from "../cli/time-values.js";
import { integerOption, stringOption } from "../cli/values.js";
import { RUN_STATUSES, RUNS_DEFAULT_LIMIT } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { checkCursorOption, listRecentRuns, type RecentRunsQuery } from "../db/recent-runs.js";
import { withDatabase } from "../db/with-database.js";
import { formatDuration, statusText } from "../render/format.js";
import { shellWord } from "../render/shell-word.js";
import { renderTable } from "../render/table.js";
import { formatTimestamp } from "../render/values.js";

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
    const match = RUN_STATUSES.find((status) => status.toLowerCase() === word.trim().toLowerCase());
    if (match === undefined)
      throw new UsageError(
        `--status must be one or more (comma-separated) of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(word.trim())}`,
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
  if (query.limit !== RUNS_DEFAULT_LIMIT) words.push(`--limit ${query.limit}`);
  words.push(`--cursor ${shellWord(cursor)}`);
  return words.join(" ");
}

/** Runs `ratchet runs`; resolves to the exit code. */
export async function runRuns(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const now = new Date();
  const query: RecentRunsQuery = {
    status: statusesOf(stringOption(options, "status")),
    workflowId: stringOption(options, "workflow"),
    parentRunId: stringOption(options, "parent"),
    since: timeOption(options, "since", now),
    until: timeOption(options, "until", now),
    limit: integerOption(options, "limit", { min: 1, max: 1_000, fallback: RUNS_DEFAULT_LIMIT }),
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
}
