/**
 * Circuit breakers' shared state: one row per named resource, read by every worker before it
 * runs a guarded stage and updated in the transaction that commits the guarded attempt.
 *
 * Implementing it:
 * - `lockBreaker` is called inside a transaction: it creates the row `CLOSED` when missing
 *   (never failing on a row another transaction created meanwhile) and returns it **locked
 *   until the transaction ends** (PostgreSQL: `INSERT … ON CONFLICT DO NOTHING` then
 *   `SELECT … FOR UPDATE`), so two transactions failing a guarded stage at once both count.
 * - `saveBreaker` writes the fields of a row locked by `lockBreaker` in the same transaction
 *   and bumps its `version`.
 * - Dates come back as `Date`; `failures` and `probes` in the order they were saved.
 */

/** The states of a circuit breaker. */
export type BreakerState = "CLOSED" | "OPEN" | "HALF_OPEN";

/** A probe let through a half-open breaker: the job running it, and until when it counts. */
export interface BreakerProbe {
  jobId: string;
  until: Date;
}

/** One circuit breaker's shared state. */
export interface BreakerRecord {
  name: string;
  state: BreakerState;
  /** Times of the failures counted toward opening (those within the window, oldest first). */
  failures: Date[];
  /** When it last opened (kept while half-open), and after how many failures in the window. */
  openedAt: Date | null;
  openedFailures: number;
  /** When an open breaker lets a probe through. */
  halfOpenAt: Date | null;
  /** Probes let through while half-open. */
  probes: BreakerProbe[];
  /** The last failure counted (code and message), or `null`. */
  lastError: { code: string; message: string } | null;
  version: number;
  updatedAt: Date;
}

/** What {@link BreakerStore.saveBreaker} writes. */
export type BreakerWrite = Omit<BreakerRecord, "version">;

/** Storage of circuit breakers. */
export interface BreakerStore {
  /** A breaker's state; `null` when none was ever written (closed). */
  getBreaker(name: string): Promise<BreakerRecord | null>;
  /** Every breaker's state, by name. */
  listBreakers(): Promise<BreakerRecord[]>;
  /** In a transaction: the breaker's row (created closed at `now` when missing), locked. */
  lockBreaker(name: string, now: Date): Promise<BreakerRecord>;
  /** Writes a breaker locked by {@link BreakerStore.lockBreaker}; returns its new version. */
  saveBreaker(breaker: BreakerWrite): Promise<number>;
  /** Deletes a breaker (a reset: it is closed with no failures); whether there was one. */
  deleteBreaker(name: string): Promise<boolean>;
}
