/**
 * Warnings that repeat while a resource is down, rate-limited with a count. A host's loops
 * retry what fails (a duty every tick, a dequeue every poll, a heartbeat every third of a
 * lease), so a database that is down or full would otherwise fill the log with the same
 * warning many times a second.
 *
 * Each warning has a key naming what failed (`dequeue`, `maintenance duty claim`, …):
 *
 * - the first failure of a key is logged as it comes;
 * - further failures within `intervalMs` of the last line logged for that key are counted,
 *   not logged;
 * - the first failure after the interval is logged with the count: `… (repeated 812 times in
 *   the last 60.0 s)`, and a new interval starts;
 * - when the key succeeds again, one line says so, with the number of failures and how long
 *   they lasted, and how many repeats were not logged since the last line.
 *
 * So a resource that stays down costs one line per key per interval, and its recovery one.
 */
import type { HostLogger } from "./options.js";

/** A key that failed and has not succeeded since. */
interface Failing {
  /** When its first failure was logged. */
  since: number;
  /** When its last line was logged (the interval runs from here). */
  loggedAt: number;
  /** Failures since the first. */
  failures: number;
  /** Failures since the last line logged, not logged themselves. */
  unlogged: number;
  /** The last failure not logged, to show in a summary at {@link RepeatedWarnings.flush}. */
  last?: { message: string; details: unknown };
}

/** Options of {@link RepeatedWarnings}. */
export interface RepeatedWarningsOptions {
  /** A key's repeats are logged at most once per this many ms (0: every warning is logged). */
  intervalMs: number;
  /** Prefix of the recovery line, e.g. `[ratchet] [host-node]`. */
  prefix: string;
  /** Milliseconds on a monotonic clock (default `performance.now`). */
  now?: () => number;
}

/** Rate-limits a logger's warnings per key (see the module comment). */
export class RepeatedWarnings {
  private readonly failing = new Map<string, Failing>();
  private readonly now: () => number;

  constructor(
    private readonly logger: HostLogger,
    private readonly options: RepeatedWarningsOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** `key` failed: logs `message` (and `details`) unless it repeats within the interval. */
  warn(key: string, message: string, details?: unknown): void {
    const now = this.now();
    const state = this.failing.get(key);
    if (!state) {
      this.failing.set(key, { since: now, loggedAt: now, failures: 1, unlogged: 0 });
      this.logger.warn(message, details);
      return;
    }
    state.failures++;
    if (now - state.loggedAt < this.options.intervalMs) {
      state.unlogged++;
      state.last = { message, details };
      return;
    }
    this.logger.warn(
      state.unlogged > 0 ? `${message} (${this.repeats(state, now, 1)})` : message,
      details,
    );
    this.restart(state, now);
  }

  /** `key` works: if it was failing, logs once that it recovered, with the count. */
  ok(key: string): void {
    const state = this.failing.get(key);
    if (!state) return;
    this.failing.delete(key);
    const now = this.now();
    const unlogged =
      state.unlogged > 0
        ? `; ${state.unlogged} repeats in the last ${seconds(now - state.loggedAt)} were not logged`
        : "";
    this.logger.warn(
      `${this.options.prefix} ${key} works again after ${state.failures} ${state.failures === 1 ? "failure" : "failures"} in ${seconds(now - state.since)}${unlogged}`,
    );
  }

  /** Keys failing now (that have not succeeded since they failed). */
  get failingKeys(): string[] {
    return [...this.failing.keys()];
  }

  /** Logs the count of every key's repeats not logged yet (e.g. as the host stops). */
  flush(): void {
    const now = this.now();
    for (const state of this.failing.values()) {
      if (!state.last || state.unlogged === 0) continue;
      this.logger.warn(
        `${state.last.message} (${this.repeats(state, now, 0)})`,
        state.last.details,
      );
      this.restart(state, now);
    }
  }

  private repeats(state: Failing, now: number, current: number): string {
    return `repeated ${state.unlogged + current} times in the last ${seconds(now - state.loggedAt)}`;
  }

  private restart(state: Failing, now: number): void {
    state.loggedAt = now;
    state.unlogged = 0;
    delete state.last;
  }
}

/** `ms` as seconds for a log line: `0.4 s`, `59.8 s`, `3,600 s`. */
function seconds(ms: number): string {
  const s = ms / 1_000;
  return `${s < 100 ? s.toFixed(1) : Math.round(s).toLocaleString("en-US")} s`;
}
