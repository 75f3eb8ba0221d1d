/**
 * Reading typed values out of parsed options; a malformed value is a {@link UsageError}
 * naming the option.
 */
import { UsageError } from "./errors.js";
import type { OptionValues } from "./options.js";

/** The string value of `--name`, if given. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

/** The integer value of `--name` within `[min, max]`, or `fallback` when absent. */
export function integerOption<T extends number | undefined>(
  options: OptionValues,
  name: string,
  range: { min: number; max: number; fallback: T },
): number | T {
  const raw = stringOption(options, name);
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < range.min || value > range.max) {
    throw new UsageError(
      `--${name} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
      { field: `--${name}` },
    );
  }
  return value;
}

/** The value of `--name` parsed as JSON, or `fallback` when absent. */
export function jsonOption(options: OptionValues, name: string, fallback: unknown): unknown {
  const raw = stringOption(options, name);
  if (raw === undefined) return fallback;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new UsageError(
      `--${name} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        field: `--${name}`,
        hint: `Quote the JSON for your shell, e.g. --${name} '{"url":"https://library.example.org/guides/durable-workflows"}'.`,
      },
    );
  }
}

/** The value of `--name` if it is one of `allowed` (case-insensitive), else a usage error. */
export function choiceOption<T extends string>(
  options: OptionValues,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = stringOption(options, name);
  if (raw === undefined) return undefined;
  const match = allowed.find((choice) => choice.toLowerCase() === raw.toLowerCase());
  if (match === undefined) {
    throw new UsageError(
      `--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`,
      {
        field: `--${name}`,
      },
    );
  }
  return match;
}
