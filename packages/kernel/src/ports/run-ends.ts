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
 * - Optionally, hand the ended run's record along with its id (the second argument of
 *   {@link RunEndListener}), so a waiter resolves without reading the run. Only a record that
 *   is exactly what `getRun` returns once the ending transaction committed — its **final**
 *   committed state, not the row as one statement left it when a later statement of the same
 *   transaction changed it again — and only for a run whose committed status is terminal.
 *   When in doubt (too big to carry, cannot be decoded), name the run without a record: the
 *   waiter reads it, as before.
 *
 * Run `runEndSourceConformance` from `@ratchet/kernel/testing` against your adapter. The
 * in-memory store is one (`createInMemoryStack().runEnds`); the `@ratchet/prisma` stacks
 * offer one over LISTEN/NOTIFY (PostgreSQL) or in-process notices and a watch on the file
 * (SQLite), with a poll fallback.
 */
import type { RunRecord } from "../records.js";

/**
 * Told that run `runId` may have ended, or with `undefined` that any run may have.
 *
 * `run`, when given (only with a `runId`), is the run's record as the transaction that ended
 * it committed it — what `getRun(runId)` returned right after that commit — and its status is
 * terminal. It may be older than the run's current record (the run was started again since,
 * e.g. `run.retry`); its `version` tells (every write of a run increments it). Listeners that
 * want only the id ignore it: sources that cannot carry a record (SQLite, in-memory,
 * host-node) never give one, and a source may leave it out for any notice. One record may be
 * handed to every listener of the notice (and so be the `run` of every `RunResult` awaited on
 * it in the process): read it, do not change it.
 */
export type RunEndListener = (runId: string | undefined, run?: RunRecord) => void;

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
