/**
 * Drivers: how statements reach a database. The executor (`executor.ts`) adds Ratchet's
 * behaviour on top — placeholders per dialect, held-back writes, after-commit hooks, statement
 * observers — and is the same whatever the driver:
 *
 * - `drivers/pg.ts`: PostgreSQL through a `pg` pool, as named prepared statements (the stacks'
 *   default; the Prisma client of the stack shares the pool through `@prisma/adapter-pg`);
 * - `drivers/better-sqlite3.ts`: SQLite through a better-sqlite3 connection with cached
 *   prepared statements (the SQLite stack's default);
 * - `drivers/prisma.ts`: either database through a Prisma client's raw-SQL methods (for ports
 *   built over a Prisma client the caller created).
 */
import type { DatabaseProvider } from "../provider.js";

/** A row as a driver returns it: column name → value. */
export type Row = Record<string, unknown>;

/** Statements on one connection (or on a pool, one statement at a time). */
export interface SqlSession {
  /** Runs a statement and returns its rows. `sql` uses the provider's own placeholders. */
  query(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  execute(sql: string, params: readonly unknown[]): Promise<number>;
}

/** Limits of a driver's transactions. */
export interface TransactionLimits {
  /** Longest wait for a connection to start the transaction on (PostgreSQL), ms. */
  maxWaitMs: number;
  /**
   * Longest a transaction may stay open before it is rolled back, ms (the `pg` driver closes
   * its connection instead when a statement is in flight then: see `DatabaseStalledError`).
   */
  timeoutMs: number;
}

/** A database connection (or pool) that can run transactions. */
export interface SqlDriver extends SqlSession {
  readonly provider: DatabaseProvider;
  /**
   * Stands for the database: executors with the same identity join each other's transactions
   * and share in-process wake-ups.
   */
  readonly identity: object;
  /**
   * Runs `fn` in a transaction on one connection: committed when `fn` resolves, rolled back
   * when it throws. SQLite transactions start with `BEGIN IMMEDIATE` and are serialised.
   */
  transaction<T>(fn: (session: SqlSession) => Promise<T>, limits: TransactionLimits): Promise<T>;
}

/** Thrown when a transaction outlives {@link TransactionLimits.timeoutMs} (it was rolled back). */
export class TransactionTimeoutError extends Error {
  /** Stable code for callers that classify errors. */
  readonly code = "TRANSACTION_TIMEOUT";
  /** The same work may succeed a moment later: the kernel never fails a run for it. */
  readonly transient = true;
  constructor(timeoutMs: number) {
    super(`[ratchet] [prisma] the transaction was rolled back after ${timeoutMs} ms (its timeout)`);
    this.name = "TransactionTimeoutError";
  }
}

/** Thrown when no connection became free within {@link TransactionLimits.maxWaitMs}. */
export class ConnectionWaitTimeoutError extends Error {
  /** Stable code for callers that classify errors. */
  readonly code = "POOL_WAIT_TIMEOUT";
  /** The same work may succeed a moment later: the kernel never fails a run for it. */
  readonly transient = true;
  constructor(maxWaitMs: number) {
    super(
      `[ratchet] [prisma] no pooled connection became free within ${maxWaitMs} ms; raise poolSize or poolWaitMs`,
    );
    this.name = "ConnectionWaitTimeoutError";
  }
}
