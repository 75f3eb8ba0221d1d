/**
 * Parses the command line with Node's `util.parseArgs`: global options anywhere, then the
 * command's own options and positionals. Anything unknown or malformed is a {@link UsageError}.
 */
import { parseArgs } from "node:util";
import type { CommandSpec } from "../commands/spec.js";
import { UsageError } from "./errors.js";
import {
  GLOBAL_OPTIONS,
  type GlobalOptions,
  globalOptionsOf,
  type OptionSpecs,
  type OptionValues,
  TOP_LEVEL_OPTIONS,
} from "./options.js";

/** What the command line asks for. */
export interface ParsedCommandLine {
  /** The command, or `undefined` for `ratchet --help` / `--version`. */
  command: CommandSpec | undefined;
  help: boolean;
  version: boolean;
  globals: GlobalOptions;
  /** The command's own options. */
  options: OptionValues;
  positionals: string[];
}

type ParseArgsOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

function toParseArgs(specs: OptionSpecs): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(specs))
    out[name] =
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  return out;
}

/** Turns `util.parseArgs`' errors into usage errors that name the option. */
function usageErrorOf(error: unknown, where: string): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  const help = `Run "${where} --help" to see the options.`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option)
    return new UsageError(`unknown option ${option} for "${where}"`, { field: option, hint: help });
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    const text = message.includes("argument missing")
      ? `option ${option} needs a value`
      : message.includes("does not take an argument")
        ? `option ${option} does not take a value`
        : `option ${option}: ${message.split(". ")[0]}`;
    return new UsageError(text, {
      field: option,
      hint: `A value starting with "-" is written ${option}=<value>. ${help}`,
    });
  }
  return new UsageError(message, { hint: help });
}

function parse(args: readonly string[], specs: OptionSpecs, where: string) {
  try {
    return parseArgs({
      args: [...args],
      options: toParseArgs(specs),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw usageErrorOf(error, where);
  }
}

/** The first positional argument (the command), skipping option values. */
function commandName(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): string | undefined {
  const every: OptionSpecs = Object.assign(
    {},
    GLOBAL_OPTIONS,
    TOP_LEVEL_OPTIONS,
    ...commands.map((c) => c.options),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: toParseArgs(every),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  return tokens.find((token) => token.kind === "positional")?.value;
}

function findCommand(name: string, commands: readonly CommandSpec[]): CommandSpec {
  const command = commands.find((c) => c.name === name);
  if (command) return command;
  throw new UsageError(`unknown command "${name}"`, {
    field: "command",
    hint: `Commands: ${commands.map((c) => c.name).join(", ")}. Run "ratchet --help" for usage.`,
  });
}

function checkPositionals(command: CommandSpec, positionals: string[]): void {
  const where = `ratchet ${command.name}`;
  const missing = command.positionals.slice(positionals.length).find((p) => p.required);
  if (missing) {
    throw new UsageError(`missing <${missing.name}> for "${where}"`, {
      field: missing.name,
      hint: `Run "${where} --help" for usage.`,
    });
  }
  const extra = positionals[command.positionals.length];
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument "${extra}" for "${where}"`, {
      hint: `Run "${where} --help" for usage.`,
    });
  }
}

/** Parses `argv` (without `node` and the script) against `commands`. */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): ParsedCommandLine {
  const name = commandName(argv, commands);
  if (name === undefined || name === "help") {
    const { values, positionals } = parse(
      argv,
      { ...GLOBAL_OPTIONS, ...TOP_LEVEL_OPTIONS },
      "ratchet",
    );
    const topic = positionals[1];
    return {
      command: topic === undefined ? undefined : findCommand(topic, commands),
      help: name === "help" || values.help === true,
      version: values.version === true,
      globals: globalOptionsOf(values),
      options: {},
      positionals: [],
    };
  }
  const command = findCommand(name, commands);
  const where = `ratchet ${command.name}`;
  const { values, positionals } = parse(argv, { ...GLOBAL_OPTIONS, ...command.options }, where);
  const rest = positionals.slice(1);
  const help = values.help === true;
  if (!help) checkPositionals(command, rest);
  const options: Record<string, string | boolean | undefined> = {};
  for (const key of Object.keys(command.options)) options[key] = values[key];
  return {
    command,
    help,
    version: false,
    globals: globalOptionsOf(values),
    options,
    positionals: rest,
  };
}
