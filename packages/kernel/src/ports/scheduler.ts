/**
 * Scheduler port: "dispatch this command at time T", durably.
 *
 * Deferred work (delayed retries, timers, sleeps, timeouts) is stored here and handed back by
 * `claimDue` once due; the `schedule.fireDue` command dispatches it. Nothing in the kernel
 * waits in-process, so a `FakeClock` drives every deferred path in tests.
 *
 * Implementing it:
 * - `schedule` upserts by `(type, correlationId)`: scheduling again replaces the earlier entry.
 * - `cancel(type, correlationId)` removes it; `cancelByCorrelationPrefix` removes every entry
 *   whose correlation id starts with a prefix (used to cancel a run's timers).
 * - `claimDue` returns entries with `runAt <= now`, oldest first, and leases them to the
 *   caller until `now + leaseMs`, so two hosts never fire the same entry; an entry whose
 *   lease expired without `acknowledge` is handed out again.
 * - `acknowledge(ids)` deletes fired entries.
 * - `nextDueAfter(now)` (optional) returns the earliest `runAt` later than `now`, or `null`.
 *   Hosts use it to wake when the next entry comes due instead of at their next regular tick
 *   (after a restart they know of no timers of their own); without it they wait for the tick.
 * - Write methods take an optional {@link TransactionScope}; when `joinsTransactions` is true
 *   they must write through it.
 *
 * Run `schedulerConformance` from `@ratchet/kernel/testing` against your adapter.
 */
import type { JsonObject, ScheduledCommand } from "../records.js";
import type { TransactionScope } from "./transaction.js";

/** An entry to schedule. */
export interface ScheduleRequest {
  type: string;
  correlationId: string;
  payload: JsonObject;
  runAt: Date;
}

/** Options of {@link Scheduler.claimDue}. */
export interface ClaimDueOptions {
  now: Date;
  limit: number;
  workerId: string;
  leaseMs: number;
}

/** Durable deferred commands. */
export interface Scheduler {
  /** Whether write methods honour a {@link TransactionScope}. */
  readonly joinsTransactions: boolean;
  schedule(request: ScheduleRequest, scope?: TransactionScope): Promise<void>;
  cancel(type: string, correlationId: string, scope?: TransactionScope): Promise<void>;
  cancelByCorrelationPrefix(prefix: string, scope?: TransactionScope): Promise<number>;
  claimDue(options: ClaimDueOptions): Promise<ScheduledCommand[]>;
  acknowledge(ids: readonly string[], scope?: TransactionScope): Promise<void>;
  /** The earliest `runAt` later than `now` of any entry, or `null` when there is none. */
  nextDueAfter?(now: Date): Promise<Date | null>;
}
