/**
 * Wake-ups: "there may be work now". A host subscribes instead of polling fast.
 *
 * - In-process: the adapters of one client emit `"job"` after a transaction that enqueued jobs
 *   commits, `"run"` after a run is created, and `"due"` after a schedule is created, resumed or
 *   re-timed (its next slot may come before the host's next, backed-off, maintenance tick), to
 *   every subscriber in this process.
 * - PostgreSQL, across processes: the same writes run `pg_notify('ratchet_wakeup', kind)` in
 *   their transaction (PostgreSQL delivers it only on commit, so nobody wakes for a job that is
 *   not there yet), and a stack with subscribers keeps a `LISTEN ratchet_wakeup` connection.
 */

import { LocalNotices } from "./local-notices.js";

/**
 * What woke a host: a new run to claim, new jobs to dequeue, or maintenance work (a schedule)
 * that may be due before the host's next tick.
 */
export type WakeupKind = "run" | "job" | "due";

/** Whether a NOTIFY payload names a wake-up kind (other payloads are ignored). */
export function isWakeupKind(payload: string | undefined): payload is WakeupKind {
  return payload === "run" || payload === "job" || payload === "due";
}

/** A source of wake-ups; `subscribe` returns the function that unsubscribes. */
export interface WakeupSource {
  subscribe(listener: (kind: WakeupKind) => void): () => void;
}

/** The PostgreSQL channel wake-ups travel on. */
export const WAKEUP_CHANNEL = "ratchet_wakeup";

/** Wake-ups within one process. */
export class LocalWakeups extends LocalNotices<WakeupKind> implements WakeupSource {}

const local = new WeakMap<object, LocalWakeups>();

/** The in-process wake-ups of a database client (shared by every adapter over it). */
export function wakeupsOf(database: object): LocalWakeups {
  let wakeups = local.get(database);
  if (!wakeups) {
    wakeups = new LocalWakeups();
    local.set(database, wakeups);
  }
  return wakeups;
}
