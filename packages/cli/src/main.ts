/**
 * `main(argv, io)`: parses the command line, runs the command, and turns any error into its
 * message and exit code (1 for Ratchet errors, 2 for bad usage, 3 for an unreachable
 * database). It never throws and never exits the process itself.
 */
import packageJson from "../package.json" with { type: "json" };
import { parseCommandLine } from "./cli/args.js";
import { ExitCode } from "./cli/exit-codes.js";
import { renderCommandHelp, renderHelp } from "./cli/help.js";
import { errorJson, exitCodeFor, formatError } from "./cli/report-error.js";
import { COMMANDS } from "./commands/index.js";
import type { CommandSpec } from "./commands/spec.js";
import type { CliIo } from "./io.js";
import { createPrinter } from "./render/printer.js";
import { colorEnabled } from "./render/style.js";

/** The CLI's version (from its package.json). */
export const VERSION: string = packageJson.version;

/** Runs `ratchet` with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CommandSpec[] = COMMANDS,
): Promise<number> {
  const noColor = argv.includes("--no-color");
  let json = argv.includes("--json");
  const out = createPrinter(io.stdout, colorEnabled(io.stdout, io.env, noColor));
  const err = createPrinter(io.stderr, colorEnabled(io.stderr, io.env, noColor));
  try {
    const parsed = parseCommandLine(argv, commands);
    json = parsed.globals.json;
    if (parsed.version) {
      out.line(VERSION);
      return ExitCode.OK;
    }
    if (parsed.help) {
      out.line(
        parsed.command
          ? renderCommandHelp(parsed.command, out.style)
          : renderHelp(commands, out.style),
      );
      return ExitCode.OK;
    }
    if (!parsed.command) {
      err.line(renderHelp(commands, err.style));
      return ExitCode.USAGE;
    }
    return await parsed.command.run({
      io,
      globals: parsed.globals,
      options: parsed.options,
      positionals: parsed.positionals,
      out,
      err,
    });
  } catch (error) {
    if (json) err.line(JSON.stringify(errorJson(error)));
    else err.line(formatError(error, err.style));
    if (io.env.RATCHET_DEBUG && error instanceof Error && error.stack) err.line(error.stack);
    return exitCodeFor(error);
  }
}
