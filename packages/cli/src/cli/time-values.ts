/**
 * Points in time on the command line: an ISO 8601 date or date-time (`2026-03-01`,
 * `2026-03-01T12:00:00Z`), or a time ago (`90s`, `30m`, `6h`, `7d`, `2w`).
 */
import { UsageError } from "./errors.js";
import type { OptionValues } from "./options.js";
import { stringOption } from "./values.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const AGO = /^(\d+)\s*([smhdw])$/;
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The time `text` names (relative to `now` for a time ago), or `undefined` if it names none. */
export function parseTime(text: string, now: Date): Date | undefined {
  const trimmed = text.trim();
  const ago = AGO.exec(trimmed);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * (UNIT_MS[ago[2] as string] ?? 0));
  if (!ISO.test(trimmed)) return undefined;
  const date = new Date(trimmed.includes(" ") ? trimmed.replace(" ", "T") : trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The time given as `--name`, if given; a malformed one is a usage error naming it. */
export function timeOption(options: OptionValues, name: string, now: Date): Date | undefined {
  const raw = stringOption(options, name);
  if (raw === undefined) return undefined;
  const time = parseTime(raw, now);
  if (time === undefined)
    throw new UsageError(`--${name} is not a time: ${JSON.stringify(raw)}`, {
      field: `--${name}`,
      hint: "Give an ISO date or date-time (2026-03-01, 2026-03-01T12:00:00Z) or a time ago (30m, 6h, 7d).",
    });
  return time;
}
