/**
 * What a command is: its name, help, options, and what it runs.
 */
import type { GlobalOptions, OptionSpecs, OptionValues } from "../cli/options.js";
import type { CliIo } from "../io.js";
import type { Printer } from "../render/printer.js";

/** A positional argument of a command. */
export interface PositionalSpec {
  name: string;
  description: string;
  required: boolean;
}

/** An exit code and what it means for one command. */
export interface ExitCodeNote {
  code: number;
  meaning: string;
}

/** What a command runs with. */
export interface CommandContext {
  io: CliIo;
  globals: GlobalOptions;
  /** The command's own options. */
  options: OptionValues;
  positionals: readonly string[];
  /** Standard output, with colours decided for it. */
  out: Printer;
  /** Standard error, with colours decided for it. */
  err: Printer;
}

/** A `ratchet` command. */
export interface CommandSpec {
  name: string;
  /** One line, for `ratchet --help`. */
  summary: string;
  /** A paragraph, for `ratchet <command> --help`. */
  description: string;
  positionals: readonly PositionalSpec[];
  /**
   * The usage lines of its `--help`, when the generated one (`ratchet <name> <positionals>
   * [options]`) would mislead — e.g. a command called in two forms.
   */
  usage?: readonly string[];
  options: OptionSpecs;
  examples: readonly string[];
  /** Exit codes worth knowing for this command, for its `--help` (the common ones are global). */
  exitCodes?: readonly ExitCodeNote[];
  /**
   * Actions of the command, chosen by its first positional (e.g. `ratchet runs migrate`); each
   * is a command of its own whose `name` is the full path (`runs migrate`).
   */
  actions?: readonly CommandSpec[];
  /** Runs the command; resolves to the exit code. Throws to fail (see `report-error.ts`). */
  run(context: CommandContext): Promise<number>;
}
