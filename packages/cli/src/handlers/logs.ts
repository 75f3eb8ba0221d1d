/**
 * What `ratchet logs` does (its definition is `commands/logs.ts`): prints the log lines a run's
 * stages wrote; with `--follow`, new lines as they are written until the run ends.
 */
import type { LogLevel, LogRecord } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { choiceOption, stringOption } from "../cli/values.js";
import { LOG_LEVELS } from "../commands/option-values.js";
import type { CommandContext } from "../commands/spec.js";
import { withDatabase } from "../db/with-database.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { followRequestOf, followRun, runHasEnded } from "../runtime/follow.js";

function levelText(level: LogLevel, style: Style): string {
  const text = padEnd(level.toUpperCase(), 5);
  if (level === "error") return style.red(text);
  if (level === "warn") return style.yellow(text);
  if (level === "debug") return style.dim(text);
  return text;
}

/** One log line: time, level, stage (padded to 12), message and its data as compact JSON. */
export function logLine(log: LogRecord, style: Style): string {
  const data = log.data === null ? "" : ` ${style.dim(JSON.stringify(log.data))}`;
  return `${style.dim(log.createdAt.toISOString())}  ${levelText(log.level, style)}  ${style.cyan(padEnd(log.stageId ?? "-", 12))}  ${log.message}${data}`;
}

/** A log line as `--json` prints it (one object per line). */
export function logJson(log: LogRecord): Record<string, unknown> {
  return {
    id: log.id,
    runId: log.runId,
    stageId: log.stageId,
    level: log.level,
    message: log.message,
    data: log.data,
    createdAt: log.createdAt.toISOString(),
  };
}

/** Runs `ratchet logs`; resolves to the exit code. */
export async function runLogs(context: CommandContext): Promise<number> {
  const { out, globals, options } = context;
  const runId = context.positionals[0] ?? "";
  const stageId = stringOption(options, "stage");
  const minLevel = LOG_LEVELS.indexOf(choiceOption(options, "level", LOG_LEVELS) ?? "debug");
  const request = followRequestOf(context);
  const keep = (log: LogRecord) =>
    (stageId === undefined || log.stageId === stageId) && LOG_LEVELS.indexOf(log.level) >= minLevel;
  const seen = new Set<string>();
  const outcome = await withDatabase(context, (stack) =>
    followRun(request, async () => {
      const ended = await runHasEnded(stack.queries, runId);
      for (const log of await stack.queries.listLogs(runId)) {
        if (seen.has(log.id)) continue;
        seen.add(log.id);
        if (!keep(log)) continue;
        if (globals.json) out.line(JSON.stringify(logJson(log)));
        else if (globals.quiet) out.line(log.message);
        else out.line(logLine(log, out.style));
      }
      return ended;
    }),
  );
  if (outcome === "aborted") return ExitCode.INTERRUPTED;
  if (!globals.json && !globals.quiet && seen.size === 0 && outcome === "once")
    context.err.line(out.style.dim(`run ${runId} has no log lines`));
  return ExitCode.OK;
}
