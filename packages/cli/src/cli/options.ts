/**
 * How commands declare their options (used for parsing and for `--help`), and the global
 * options every command accepts.
 */

/** One `--option`. */
export interface OptionSpec {
  type: "string" | "boolean";
  /** One-letter alias, e.g. `q` for `-q`. */
  short?: string;
  /** Placeholder shown in help, e.g. `<url>`. */
  value?: string;
  description: string;
  /** Shown in help as `(default: …)`. */
  defaultText?: string;
  /** The command cannot run without it (a usage error names it when missing). */
  required?: boolean;
}

/** Options by name (without the leading `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values by name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  "database-url": {
    type: "string",
    value: "<url>",
    description: "postgresql://… URL, file:./path.db or a path to an SQLite file",
    defaultText: "$RATCHET_DATABASE_URL, else ./ratchet.db",
  },
  json: { type: "boolean", description: "Machine-readable JSON output" },
  "no-color": { type: "boolean", description: "No ANSI colours (also NO_COLOR=1)" },
  quiet: { type: "boolean", short: "q", description: "Only essential output" },
  help: { type: "boolean", short: "h", description: "Show help" },
};

/** Options only valid without a command. */
export const TOP_LEVEL_OPTIONS: OptionSpecs = {
  version: { type: "boolean", short: "v", description: "Print the version" },
};

/** The global options, as parsed. */
export interface GlobalOptions {
  /** `--database-url`, if given (the environment is consulted later). */
  databaseUrl: string | undefined;
  json: boolean;
  quiet: boolean;
  noColor: boolean;
}

/** Reads the global options out of parsed values. */
export function globalOptionsOf(values: OptionValues): GlobalOptions {
  const databaseUrl = values["database-url"];
  return {
    databaseUrl: typeof databaseUrl === "string" ? databaseUrl : undefined,
    json: values.json === true,
    quiet: values.quiet === true,
    noColor: values["no-color"] === true,
  };
}
