/**
 * Parses the command line with Node's `util.parseArgs`: global options anywhere, then the
 * command (and its action, e.g. `runs migrate`), its own options and positionals. Anything
 * unknown, malformed or missing is a {@link UsageError}.
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
  /** The command (or its action), or `undefined` for `ratchet --help` / `--version`. */
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

/** The word that picks an action of its command: `migrate` of `runs migrate`. */
export function actionWord(action: CommandSpec): string {
  return action.name.slice(action.name.lastIndexOf(" ") + 1);
}

/** The positional words (command, action, arguments), skipping option values. */
function positionalWords(argv: readonly string[], commands: readonly CommandSpec[]): string[] {
  const every: OptionSpecs = Object.assign(
    {},
    GLOBAL_OPTIONS,
    TOP_LEVEL_OPTIONS,
    ...commands.flatMap((c) => [c.options, ...(c.actions ?? []).map((a) => a.options)]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: toParseArgs(every),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  return tokens.flatMap((token) => (token.kind === "positional" ? [token.value] : []));
}

function findCommand(name: string, commands: readonly CommandSpec[]): CommandSpec {
  const command = commands.find((c) => c.name === name);
  if (command) return command;
  throw new UsageError(`unknown command "${name}"`, {
    field: "command",
    hint: `Commands: ${commands.map((c) => c.name).join(", ")}. Run "ratchet --help" for usage.`,
  });
}

/** The action of `command` that `word` names, if it has one by that name. */
function findAction(command: CommandSpec, word: string | undefined): CommandSpec | undefined {
  return word === undefined ? undefined : command.actions?.find((a) => actionWord(a) === word);
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
  if (extra === undefined) return;
  if (command.actions !== undefined && command.positionals.length === 0) {
    throw new UsageError(`unknown action "${extra}" for "${where}"`, {
      field: "action",
      hint: `Actions: ${command.actions.map(actionWord).join(", ")}. Run "${where} --help" for usage.`,
    });
  }
  throw new UsageError(`unexpected argument "${extra}" for "${where}"`, {
    hint: `Run "${where} --help" for usage.`,
  });
}

function checkRequiredOptions(command: CommandSpec, values: OptionValues): void {
  const where = `ratchet ${command.name}`;
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.required === true && values[name] === undefined) {
      throw new UsageError(`missing --${name} for "${where}"`, {
        field: `--${name}`,
        hint: `Run "${where} --help" for usage.`,
      });
    }
  }
}

/** `ratchet help <command> [action]` or `ratchet --help`. */
function parseHelp(
  argv: readonly string[],
  commands: readonly CommandSpec[],
  asked: boolean,
): ParsedCommandLine {
  const { values, positionals } = parse(
    argv,
    { ...GLOBAL_OPTIONS, ...TOP_LEVEL_OPTIONS },
    "ratchet",
  );
  const topic = positionals[1];
  const command = topic === undefined ? undefined : findCommand(topic, commands);
  return {
    command: command === undefined ? undefined : (findAction(command, positionals[2]) ?? command),
    help: asked || values.help === true,
    version: values.version === true,
    globals: globalOptionsOf(values),
    options: {},
    positionals: [],
  };
}

/** Parses `argv` (without `node` and the script) against `commands`. */
export function parseCommandLine(
  argv: readonly string[],
  commands: readonly CommandSpec[],
): ParsedCommandLine {
  const words = positionalWords(argv, commands);
  const name = words[0];
  if (name === undefined || name === "help") return parseHelp(argv, commands, name === "help");
  const base = findCommand(name, commands);
  const action = findAction(base, words[1]);
  const command = action ?? base;
  const where = `ratchet ${command.name}`;
  const { values, positionals } = parse(argv, { ...GLOBAL_OPTIONS, ...command.options }, where);
  const rest = positionals.slice(action === undefined ? 1 : 2);
  const help = values.help === true;
  if (!help) {
    checkPositionals(command, rest);
    checkRequiredOptions(command, values);
  }
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
