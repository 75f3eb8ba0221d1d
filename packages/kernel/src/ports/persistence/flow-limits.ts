/**
 * Start-rate limits a claim respects (`ClaimPendingOptions.rates`): how many runs of one
 * concurrency key may start per period, and the state a store keeps per key to enforce it
 * across every worker of the database. Stores keep one row per key — `{ at, count }` — read and
 * written in the claim's transaction under the key's lock, and compute the room with
 * {@link startRoom} and the next state with {@link afterStarts}, so every adapter counts alike.
 *
 * Two kinds:
 * - a **rate limit** (`spread: false`): at most `limit` starts in each period, periods aligned
 *   to multiples of `periodMs` since the epoch (`at` = the period's start, `count` = starts in
 *   it). Runs over the limit wait `PENDING` for the next period; a period may start its
 *   `limit` runs at once.
 * - a **throttle** (`spread: true`): starts are spread evenly, one per `periodMs / limit`, with
 *   at most `burst` (default 1) at once after a quiet spell (GCRA: `at` = the theoretical
 *   time of the next start, `count` unused).
 */

import type { RunRecord, RunStatus } from "../../records.js";

/** The persistence part of singletons (`singleton: { mode: "skip" }`). */
export interface FlowLimitStore {
  /**
   * A run with this concurrency key whose status is one of `statuses` (default `PENDING`,
   * `SCHEDULED` or `RUNNING`; any one such run), or `null`. Inside a transaction it also takes the key's lock until the transaction ends
   * (PostgreSQL: `pg_advisory_xact_lock(hashtext(key))`, the lock claims take; SQLite's writers
   * are serialised), so two transactions that look up the same key and then create a run
   * with it run one after the other: the second sees the first's run. Optional: a store
   * without it cannot run workflows with `singleton: { mode: "skip" }` or a `debounce`
   * (`run.create` fails with `SINGLETON_NOT_SUPPORTED`).
   */
  activeRunOfKey?(
    concurrencyKey: string,
    statuses?: readonly RunStatus[],
  ): Promise<RunRecord | null>;
}

/** The start rate of one workflow's keys. */
export interface StartRate {
  /** Starts per period (an integer >= 1). */
  limit: number;
  /** The period (ms, an integer >= 1). */
  periodMs: number;
  /** Spread the starts evenly (a throttle) instead of allowing `limit` per period at once. */
  spread: boolean;
  /** A throttle's most starts at once (default 1). */
  burst?: number;
}

/** What a store keeps per key: see {@link StartRate} for what `at` and `count` mean. */
export interface StartRateState {
  at: Date;
  count: number;
  /** The rate in force when it was written ({@link afterStarts} sets it), for inspections. */
  rate?: StartRate;
}

/** How many runs of a key may start at `now` (0: none until later). */
export function startRoom(rate: StartRate, state: StartRateState | null, now: Date): number {
  const t = now.getTime();
  if (!rate.spread) {
    const period = periodStart(rate, t);
    return state && state.at.getTime() === period
      ? Math.max(0, rate.limit - state.count)
      : rate.limit;
  }
  const interval = rate.periodMs / rate.limit;
  const next = Math.max(state ? state.at.getTime() : t, t);
  const horizon = t + (rate.burst ?? 1) * interval;
  return Math.max(0, Math.floor((horizon - next) / interval + 1e-9));
}

/** The key's state once `started` more runs (within {@link startRoom}) started at `now`. */
export function afterStarts(
  rate: StartRate,
  state: StartRateState | null,
  now: Date,
  started: number,
): StartRateState {
  const t = now.getTime();
  if (!rate.spread) {
    const period = periodStart(rate, t);
    const count = state && state.at.getTime() === period ? state.count : 0;
    return { at: new Date(period), count: count + started, rate };
  }
  const next = Math.max(state ? state.at.getTime() : t, t);
  return { at: new Date(next + started * (rate.periodMs / rate.limit)), count: 0, rate };
}

/**
 * When a key with no room (see {@link startRoom}) may start a run again: the next period's
 * start, or a throttle's next slot.
 */
export function nextStartAt(rate: StartRate, state: StartRateState | null, now: Date): Date {
  const t = now.getTime();
  if (!rate.spread) return new Date(periodStart(rate, t) + rate.periodMs);
  const next = Math.max(state ? state.at.getTime() : t, t);
  return new Date(next - ((rate.burst ?? 1) - 1) * (rate.periodMs / rate.limit));
}

function periodStart(rate: StartRate, t: number): number {
  return t - (((t % rate.periodMs) + rate.periodMs) % rate.periodMs);
}
