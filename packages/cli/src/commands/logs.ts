/**
 * `ratchet logs <runId>`: the log lines a run's stages wrote (`ctx.log`), oldest first; with
 * `--follow`, new lines as they are written, until the run ends.
 */
import { ExitCode } from "../cli/exit-codes.js";
import { FOLLOW_OPTIONS } from "../runtime/follow.js";
import { LOG_LEVELS } from "./option-values.js";
import type { CommandSpec } from "./spec.js";

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
      description: `only lines at this level or above: ${LOG_LEVELS.join(", ")}`,
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
    const { runLogs } = await import("../handlers/logs.js");
    return runLogs(context);
  },
};
