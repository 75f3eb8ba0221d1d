/**
 * Limits of Ratchet's PostgreSQL sessions, so that a stalled client (a partition, a hung
 * process) cannot hold locks for long and a stalled server cannot hold a worker forever:
 * `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout` are set on every
 * session when it starts (`pg`'s own connection parameters), and TCP keepalive is on.
 */
import type pg from "pg";

/** Default server-side `statement_timeout`, ms: no statement of Ratchet's comes near it. */
export const POSTGRES_DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Default server-side `lock_timeout`, ms: a third of the default 30 s lease, so a write that
 * waits for a row another worker locked gives up (and its job is retried) well within a lease,
 * instead of holding a worker's slot for as long as the other worker holds the lock.
 */
export const POSTGRES_DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/**
 * Default server-side `idle_in_transaction_session_timeout`, ms, when no transaction timeout
 * is known: the stacks use their `transactionTimeoutMs` (default 30 s) instead, since a
 * transaction idle for that long is one its client gave up on (or can no longer reach).
 */
export const POSTGRES_DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/** Default idle time before TCP keepalive probes start, ms. */
export const POSTGRES_DEFAULT_KEEPALIVE_DELAY_MS = 10_000;

/**
 * How much longer than `statement_timeout` the client waits for an answer before it closes the
 * connection, ms: while the network works, the server's own timeout answers first.
 */
export const POSTGRES_STALL_GRACE_MS = 5_000;

/** Limits of every session a client opens (all in ms; 0 leaves the server's own setting). */
export interface PostgresSessionOptions {
  /**
   * Server-side `statement_timeout`: the server cancels a statement that runs longer (default
   * {@link POSTGRES_DEFAULT_STATEMENT_TIMEOUT_MS}). Migrations lift it for their own
   * transactions.
   */
  statementTimeoutMs?: number;
  /**
   * Server-side `lock_timeout`: a statement that waits longer for a lock fails with SQLSTATE
   * `55P03` (default {@link POSTGRES_DEFAULT_LOCK_TIMEOUT_MS}).
   */
  lockTimeoutMs?: number;
  /**
   * Server-side `idle_in_transaction_session_timeout`: the server ends a session that stays
   * idle inside a transaction this long, which releases its locks (default: the stack's
   * `transactionTimeoutMs`, else {@link POSTGRES_DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS}).
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Idle time before TCP keepalive probes start (default
   * {@link POSTGRES_DEFAULT_KEEPALIVE_DELAY_MS}). The operating system's probe interval and count
   * decide when a silent peer is given up on (Linux: 9 probes 75 s apart), so the limits above,
   * not keepalive, are what bound a stall.
   */
  keepAliveInitialDelayMs?: number;
}

function limit(value: number | undefined, fallback: number, field: string): number {
  const ms = value ?? fallback;
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`[ratchet] [prisma] ${field} must be 0 or a positive number of ms`);
  return Math.ceil(ms);
}

/** The session limits with defaults applied (0: not set). */
export interface ResolvedSessionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  keepAliveInitialDelayMs: number;
}

/**
 * Applies the defaults; `transactionTimeoutMs` (when given) is the default of
 * `idleInTransactionTimeoutMs`. Throws a `RangeError` for a negative or non-finite limit.
 */
export function resolveSessionLimits(
  options: PostgresSessionOptions,
  transactionTimeoutMs?: number,
): ResolvedSessionLimits {
  return {
    statementTimeoutMs: limit(
      options.statementTimeoutMs,
      POSTGRES_DEFAULT_STATEMENT_TIMEOUT_MS,
      "statementTimeoutMs",
    ),
    lockTimeoutMs: limit(options.lockTimeoutMs, POSTGRES_DEFAULT_LOCK_TIMEOUT_MS, "lockTimeoutMs"),
    idleInTransactionTimeoutMs: limit(
      options.idleInTransactionTimeoutMs,
      transactionTimeoutMs ?? POSTGRES_DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      "idleInTransactionTimeoutMs",
    ),
    keepAliveInitialDelayMs: limit(
      options.keepAliveInitialDelayMs,
      POSTGRES_DEFAULT_KEEPALIVE_DELAY_MS,
      "keepAliveInitialDelayMs",
    ),
  };
}

/**
 * The client deadline for one statement that matches `limits`: `statement_timeout` plus
 * {@link POSTGRES_STALL_GRACE_MS}, or none (0) when `statement_timeout` is not set.
 */
export function defaultStallTimeoutMs(limits: ResolvedSessionLimits): number {
  return limits.statementTimeoutMs > 0 ? limits.statementTimeoutMs + POSTGRES_STALL_GRACE_MS : 0;
}

/**
 * The `pg` connection parameters for `limits` (pg sends the timeouts in the startup packet, so
 * they hold from the session's first statement; a 0 is left out and the server's own applies).
 */
export function pgSessionConfig(
  limits: ResolvedSessionLimits,
): Pick<
  pg.ClientConfig,
  | "keepAlive"
  | "keepAliveInitialDelayMillis"
  | "statement_timeout"
  | "lock_timeout"
  | "idle_in_transaction_session_timeout"
> {
  return {
    keepAlive: true,
    keepAliveInitialDelayMillis: limits.keepAliveInitialDelayMs,
    statement_timeout: limits.statementTimeoutMs,
    lock_timeout: limits.lockTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
  };
}
