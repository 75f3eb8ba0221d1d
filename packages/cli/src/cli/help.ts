/**
 * `--help` text, generated from the command specs.
 */
import type { CommandSpec } from "../commands/spec.js";
import type { Style } from "../render/style.js";
import { padEnd } from "../render/style.js";
import { ExitCode } from "./exit-codes.js";
import { GLOBAL_OPTIONS, type OptionSpecs, TOP_LEVEL_OPTIONS } from "./options.js";

function optionLines(specs: OptionSpecs, style: Style): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    const fallback = spec.defaultText ? style.dim(` (default: ${spec.defaultText})`) : "";
    return [flag, `${spec.description}${fallback}`] as const;
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${padEnd(flag, width)}${text}`);
}

const EXIT_CODES = [
  `  ${ExitCode.OK}  success`,
  `  ${ExitCode.FAILURE}  error [CODE] (e.g. INVALID_INPUT), or a run that failed`,
  `  ${ExitCode.USAGE}  bad usage (unknown command or option, malformed argument)`,
  `  ${ExitCode.DATABASE_UNREACHABLE}  the database cannot be reached`,
];

/** `ratchet --help`. */
export function renderHelp(commands: readonly CommandSpec[], style: Style): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    `${style.bold("ratchet")} — durable workflows from the command line`,
    "",
    `${style.bold("Usage:")} ratchet <command> [options]`,
    "",
    style.bold("Commands:"),
    ...commands.map((c) => `  ${padEnd(c.name, width)}${c.summary}`),
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
  const args = command.positionals
    .map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`))
    .join(" ");
  const lines = [
    `${style.bold("Usage:")} ratchet ${command.name}${args ? ` ${args}` : ""} [options]`,
    "",
    command.description,
  ];
  if (command.positionals.length > 0) {
    lines.push("", style.bold("Arguments:"));
    for (const p of command.positionals) lines.push(`  <${p.name}>  ${p.description}`);
  }
  if (Object.keys(command.options).length > 0)
    lines.push("", style.bold("Options:"), ...optionLines(command.options, style));
  lines.push("", style.bold("Global options:"), ...optionLines(GLOBAL_OPTIONS, style));
  if (command.examples.length > 0)
    lines.push("", style.bold("Examples:"), ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}
