/**
 * Stalls: a PostgreSQL statement or transaction that ran out of time, on the client (its
 * deadline passed and its connection was closed) or on the server (`statement_timeout`,
 * `lock_timeout`, `idle_in_transaction_session_timeout` ended it). Each is reported once, with
 * what it was doing, how long it waited and on which connection.
 */

/**
 * The limit a stall ran into: the client's deadline for one statement (`stallTimeoutMs`) or
 * for a transaction (`transactionTimeoutMs`), or one of the server's session limits.
 */
export type StallLimit =
  | "statement deadline"
  | "transaction deadline"
  | "statement_timeout"
  | "lock_timeout"
  | "idle_in_transaction_session_timeout";

/** One stall, as reported to `onStall`. */
export interface DatabaseStall {
  /** The limit it ran into. */
  limit: StallLimit;
  /** What was running: the statement (shortened), or `BEGIN`, `COMMIT`, `ROLLBACK`. */
  operation: string;
  /** How long the statement (or the transaction, for `transaction deadline`) had run, ms. */
  waitedMs: number;
  /** The server process of the connection (`pg_stat_activity.pid`), when known. */
  backendPid: number | undefined;
  /** Whether it ran inside a transaction. */
  inTransaction: boolean;
  /**
   * Whether the connection was closed: always after a client deadline with a statement in
   * flight (a `ROLLBACK` would queue behind the statement that does not answer), and after the
   * server's `idle_in_transaction_session_timeout` (the server ends the session).
   */
  connectionClosed: boolean;
}

/** Receives each stall once (the PostgreSQL stack's `onStall`). */
export type StallReporter = (stall: DatabaseStall) => void;

/** The longest part of a statement a stall report quotes. */
const MAX_OPERATION_CHARS = 160;

/** A statement's text, on one line and shortened, for reports. */
export function operationOf(sql: string): string {
  const line = sql.replace(/\s+/g, " ").trim();
  return line.length > MAX_OPERATION_CHARS ? `${line.slice(0, MAX_OPERATION_CHARS - 1)}…` : line;
}

/** One line describing `stall`, e.g. for a log. */
export function describeStall(stall: DatabaseStall): string {
  const where = stall.backendPid === undefined ? "" : ` (backend pid ${stall.backendPid})`;
  const what = stall.inTransaction ? "in a transaction" : "outside a transaction";
  const closed = stall.connectionClosed ? "; the connection was closed" : "";
  return `[ratchet] [prisma] PostgreSQL stalled${where}: ${stall.limit} after ${stall.waitedMs} ms ${what}: ${stall.operation}${closed}`;
}

/** The default `onStall`: one `console.warn` line per stall. */
export const warnOfStall: StallReporter = (stall) => {
  console.warn(describeStall(stall));
};

/**
 * Thrown when PostgreSQL did not answer within a client deadline: the statement's
 * (`stallTimeoutMs`) or the transaction's (`transactionTimeoutMs`, with a statement in flight).
 * Its connection was closed, so the server rolls back what the transaction wrote (unless the
 * stalled statement was the `COMMIT`, whose outcome is then unknown).
 */
export class DatabaseStalledError extends Error {
  /** Stable code for callers that classify errors. */
  readonly code = "DATABASE_STALLED";
  /** The same work may succeed a moment later: the kernel never fails a run for it. */
  readonly transient = true;
  constructor(readonly stall: DatabaseStall) {
    super(describeStall(stall));
    this.name = "DatabaseStalledError";
  }
}

/** SQLSTATEs of the server's session limits. */
const SERVER_LIMITS: Readonly<Record<string, StallLimit>> = {
  /** query_canceled: Ratchet sends no cancel requests, so this is `statement_timeout`. */
  "57014": "statement_timeout",
  /** lock_not_available: Ratchet never locks with NOWAIT, so this is `lock_timeout`. */
  "55P03": "lock_timeout",
  /** idle_in_transaction_session_timeout (the server ends the session). */
  "25P03": "idle_in_transaction_session_timeout",
};

/** The server-side limit `error` reports (by its SQLSTATE), if any. */
export function serverLimitOf(error: unknown): StallLimit | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? SERVER_LIMITS[code] : undefined;
}
