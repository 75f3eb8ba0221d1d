/**
 * Run-end notices: an optional port that tells a waiter "this run may have ended", so
 * `awaitRunResult` wakes at once instead of polling the run's record.
 *
 * Implementing it:
 * - Call each subscriber with a run's id only **after** the transaction that ended the run
 *   (moved it to a terminal status) committed — never for a transaction that rolled back.
 * - Call it with `undefined` ("any run may have ended: read again") whenever notices may have
 *   been missed: after a lost notification connection came back, when a watched file changed,
 *   and at a modest interval as a poll fallback if the notices can be lost at all.
 * - Spurious calls are harmless (the waiter reads the run and finds it running); missing calls
 *   are not: a source that can lose notices must fall back to `undefined` calls.
 * - `subscribe` returns the function that unsubscribes; after it, the listener is not called.
 *
 * Run `runEndSourceConformance` from `@ratchet/kernel/testing` against your adapter. The
 * in-memory store is one (`createInMemoryStack().runEnds`); the `@ratchet/prisma` stacks
 * offer one over LISTEN/NOTIFY (PostgreSQL) or in-process notices and a watch on the file
 * (SQLite), with a poll fallback.
 */

/** Told that run `runId` may have ended, or with `undefined` that any run may have. */
export type RunEndListener = (runId: string | undefined) => void;

/** Where waiters hear that runs ended. */
export interface RunEndSource {
  /** Calls `listener` on every notice until the returned function is called. */
  subscribe(listener: RunEndListener): () => void;
  /**
   * For sources that name only runs someone watches (PostgreSQL's trigger notifies only runs
   * listed as awaited, because every NOTIFY costs each listening backend a transaction): from
   * when the returned promise resolves until the function it gives is called, an end of run
   * `runId` is named. Sources that name every run leave it out. `awaitRunEnd` calls it before
   * its first read of the run.
   */
  watch?(runId: string): Promise<() => Promise<void>>;
}
