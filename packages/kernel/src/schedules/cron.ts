/**
 * Cron expressions, read by `croner` (a maintained library with no dependencies and no Node
 * APIs: it runs wherever the kernel runs). Expressions have 5 fields (minute precision), 6
 * (seconds first) or 7 (a year last), or a nickname such as `@hourly`; they are read in an IANA
 * time zone, with its daylight-saving changes: a time that a spring-forward skips fires at the
 * first valid time after the gap for a fixed-time expression (`30 2 * * *`) and is skipped for
 * an interval (`*\/15 * * * *`); a time that a fall-back repeats fires once for a fixed-time
 * expression and on both occurrences for an interval (croner's rules).
 *
 * Nothing here keeps time: every function takes the instants it computes from.
 */
import { Cron } from "croner";
import { RatchetError } from "../errors.js";

/** A compiled cron expression in a time zone. */
export interface CronSchedule {
  readonly cron: string;
  readonly timezone: string;
  /** The first fire time strictly after `after`, or `null` when there is none. */
  nextAfter(after: Date): Date | null;
  /** Up to `count` fire times strictly after `after`, ascending. */
  nextTimes(after: Date, count: number): Date[];
  /** Up to `count` of the latest fire times that are `>= from` and `<= until`, ascending. */
  latestBetween(from: Date, until: Date, count: number): Date[];
}

/** Longest cron expression accepted, in characters. */
export const MAX_CRON_LENGTH = 200;

/**
 * Whether `timezone` is an IANA time zone this platform knows (`UTC` included). Uses the
 * platform's `Intl`, as croner does.
 */
export function isTimezone(timezone: string): boolean {
  if (timezone.length === 0 || timezone.length > 100) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles `cron` in `timezone`. Throws `INVALID_TIMEZONE` (field `timezone`) for a zone the
 * platform does not know, `INVALID_CRON` (field `cron`) for an expression croner refuses.
 */
export function compileCron(cron: string, timezone: string): CronSchedule {
  if (!isTimezone(timezone)) {
    throw new RatchetError(
      "INVALID_TIMEZONE",
      `[ratchet] ${JSON.stringify(timezone)} is not an IANA time zone (e.g. "Europe/Berlin", "UTC")`,
      { field: "timezone" },
    );
  }
  let job: Cron;
  try {
    if (cron.length > MAX_CRON_LENGTH) throw new Error(`longer than ${MAX_CRON_LENGTH} characters`);
    job = new Cron(cron, { timezone, paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RatchetError(
      "INVALID_CRON",
      `[ratchet] ${JSON.stringify(cron.slice(0, MAX_CRON_LENGTH))} is not a cron expression: ${reason}`,
      { field: "cron", cause: error },
    );
  }
  return {
    cron,
    timezone,
    nextAfter: (after) => job.nextRun(after),
    nextTimes: (after, count) => (count > 0 ? job.nextRuns(count, after) : []),
    latestBetween: (from, until, count) => {
      if (count <= 0 || until.getTime() < from.getTime()) return [];
      // previousRuns counts back from strictly before its reference: 1 ms on includes `until`.
      const latest = job.previousRuns(count, new Date(until.getTime() + 1));
      return latest.filter((slot) => slot.getTime() >= from.getTime()).reverse();
    },
  };
}

/** The next `count` fire times of `cron` in `timezone` after `after` (see {@link compileCron}). */
export function nextFireTimes(cron: string, timezone: string, after: Date, count: number): Date[] {
  return compileCron(cron, timezone).nextTimes(after, count);
}
