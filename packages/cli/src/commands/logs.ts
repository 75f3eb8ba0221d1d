/**
 * `ratchet logs <runId>`: the log lines a run's stages wrote (`ctx.log`), oldest first; with
 * `--follow`, new lines as they are written, until the run ends.
 */
import type { LogLevel, LogRecord } from "@ratchet/kernel";
import { ExitCode } from "../cli/exit-codes.js";
import { choiceOption, stringOption } from "../cli/values.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { FOLLOW_OPTIONS, followRequestOf, followRun, runHasEnded } from "../runtime/follow.js";
import { withDatabase } from "./shared.js";
import type { CommandSpec } from "./spec.js";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

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

/** `ratchet logs`. */
export const logsCommand: CommandSpec = {
  name: "logs",
  summary: "Show a run's stage logs (--follow: as they are written)",
  description:
    "Prints the log lines a run's stages wrote with ctx.log, oldest first: time, level, stage and message, with the line's data as compact JSON — only one stage's with --stage, only from a level up with --level. With --follow it keeps polling (every --interval ms) and prints new lines as they are written until the run ends (then exits 0) or Ctrl-C (exit 130). --json prints one JSON object per line ({ id, runId, stageId, level, message, data, createdAt }); --quiet only the messages. An unknown run is RUN_NOT_FOUND (exit 1).",
  positionals: [{ name: "runId", description: "the run", required: true }],
  options: {
    stage: { type: "string", value: "<stageId>", description: "only this stage's lines" },
    level: {
      type: "string",
      value: "<level>",
      description: `only lines at this level or above: ${LEVELS.join(", ")}`,
      defaultText: "debug",
    },
    ...FOLLOW_OPTIONS,
  },
  exitCodes: [
    { code: ExitCode.OK, meaning: "printed (with --follow: the run ended)" },
    { code: ExitCode.FAILURE, meaning: "error [RUN_NOT_FOUND]" },
    { code: ExitCode.INTERRUPTED, meaning: "--follow stopped by Ctrl-C (SIGINT) or SIGTERM" },
  ],
  examples: [
    "ratchet logs 0193f0c2-…",
    "ratchet logs 0193f0c2-… --stage fetch --level warn",
    "ratchet logs 0193f0c2-… --follow",
  ],
  async run(context) {
    const { out, globals, options } = context;
    const runId = context.positionals[0] ?? "";
    const stageId = stringOption(options, "stage");
    const minLevel = LEVELS.indexOf(choiceOption(options, "level", LEVELS) ?? "debug");
    const request = followRequestOf(context);
    const keep = (log: LogRecord) =>
      (stageId === undefined || log.stageId === stageId) && LEVELS.indexOf(log.level) >= minLevel;
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
  },
};
