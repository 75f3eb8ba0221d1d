/**
 * Durations as people write them: `"7d"`, `"36h"`, `"1h30m"`, `"90s"`, `"250ms"`, `"2w"` — or a
 * number of milliseconds. Used by retention settings (`retention: { completed: "30d" }`) and the
 * CLI's `--older-than`.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration: milliseconds, or text such as `"7d"` or `"1h30m"` (see {@link parseDuration}). */
export type Duration = number | string;

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/**
 * The milliseconds of `text`: one or more `<number><unit>` parts, largest first or not, with
 * units `ms`, `s`, `m` (minutes), `h`, `d`, `w` (`"1h30m"` is 5,400,000); a bare whole number is
 * milliseconds. Surrounding spaces are ignored. Returns `undefined` for anything else (an empty
 * string, a negative number, an unknown unit such as `"1y"` or `"1mo"`, spaces inside).
 *
 * @example
 * ```ts
 * parseDuration("7d"); // 604800000
 * parseDuration("1h30m"); // 5400000
 * parseDuration("1y"); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  if (s === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const match = PART.exec(s);
    if (match === null) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * The milliseconds of a {@link Duration}: a number as it is when it is `Infinity` or a whole
 * number ≥ 0, text through {@link parseDuration}; `undefined` when it is neither.
 */
export function durationMs(value: Duration): number | undefined {
  if (typeof value === "number")
    return value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0)
      ? value
      : undefined;
  if (typeof value === "string") return parseDuration(value);
  return undefined;
}
