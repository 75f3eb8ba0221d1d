/**
 * `--help` text, generated from the command specs.
 */
import type { CommandSpec } from "../commands/spec.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { actionWord } from "./args.js";
import { ExitCode } from "./exit-codes.js";
import { GLOBAL_OPTIONS, type OptionSpecs, TOP_LEVEL_OPTIONS } from "./options.js";

function optionLines(specs: OptionSpecs, style: Style): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    const fallback = spec.defaultText ? style.dim(` (default: ${spec.defaultText})`) : "";
    const required = spec.required ? style.dim(" (required)") : "";
    return [flag, `${spec.description}${required}${fallback}`] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${padEnd(flag, width)}${text}`);
}

const EXIT_CODES = [
  `  ${ExitCode.OK}  success`,
  `  ${ExitCode.FAILURE}  error [CODE] (e.g. INVALID_INPUT), or a run that failed, was cancelled or timed out (TIMED_OUT: past its workflow's timeout)`,
  `  ${ExitCode.USAGE}  bad usage (unknown command or option, malformed argument)`,
  `  ${ExitCode.DATABASE_UNREACHABLE}  the database cannot be reached`,
  `  ${ExitCode.NEEDS_ATTENTION}  runs need attention: \`runs migrate\` refused a run, or \`deploy-check\` found runs the module would strand or that need a migration`,
  `  ${ExitCode.INTERRUPTED}  interrupted (Ctrl-C) while waiting for a run (\`run --wait\`, \`demo\`) or following one (\`--follow\`)`,
];

/** Each command, then each of its actions (`runs migrate`), as listed by `ratchet --help`. */
function listed(commands: readonly CommandSpec[]): CommandSpec[] {
  return commands.flatMap((command) => [command, ...(command.actions ?? [])]);
}

/** `ratchet --help`. */
export function renderHelp(commands: readonly CommandSpec[], style: Style): string {
  const all = listed(commands);
  const width = Math.max(...all.map((c) => c.name.length)) + 3;
  return [
    `${style.bold("ratchet")} — durable workflows from the command line`,
    "",
    `${style.bold("Usage:")} ratchet <command> [options]`,
    "",
    style.bold("Commands:"),
    ...all.map((c) => `  ${padEnd(c.name, width)}${c.summary}`),
    "",
    style.bold("Global options:"),
    ...optionLines({ ...GLOBAL_OPTIONS, ...TOP_LEVEL_OPTIONS }, style),
    "",
    style.bold("Exit codes:"),
    ...EXIT_CODES,
    "",
    `Run "ratchet <command> --help" for a command's options. Docs: docs/cli.md`,
  ].join("\n");
}

/** `ratchet <command> --help`. */
export function renderCommandHelp(command: CommandSpec, style: Style): string {
  const words = command.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  if (command.actions !== undefined && command.actions.length > 0) words.unshift("[action]");
  const args = words.join(" ");
  const usage = command.usage ?? [`ratchet ${command.name}${args ? ` ${args}` : ""} [options]`];
  const lines = [
    `${style.bold("Usage:")} ${usage.join(`\n${" ".repeat("Usage: ".length)}`)}`,
    "",
    command.description,
  ];
  if (command.positionals.length > 0) {
    lines.push("", style.bold("Arguments:"));
    for (const p of command.positionals) lines.push(`  <${p.name}>  ${p.description}`);
  }
  if (command.actions !== undefined && command.actions.length > 0) {
    const width = Math.max(...command.actions.map((a) => actionWord(a).length)) + 2;
    lines.push("", style.bold("Actions:"));
    for (const action of command.actions)
      lines.push(`  ${padEnd(actionWord(action), width)}${action.summary}`);
    lines.push(`  Run "ratchet ${command.name} <action> --help" for an action's options.`);
  }
  if (Object.keys(command.options).length > 0)
    lines.push("", style.bold("Options:"), ...optionLines(command.options, style));
  lines.push("", style.bold("Global options:"), ...optionLines(GLOBAL_OPTIONS, style));
  if (command.exitCodes !== undefined && command.exitCodes.length > 0)
    lines.push(
      "",
      style.bold("Exit codes:"),
      ...command.exitCodes.map((note) => `  ${note.code}  ${note.meaning}`),
    );
  if (command.examples.length > 0)
    lines.push("", style.bold("Examples:"), ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}
