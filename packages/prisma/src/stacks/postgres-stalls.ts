/**
 * How the PostgreSQL stack bounds stalls: the session limits every connection starts with (the
 * pool's and the LISTEN connection's), the client's deadline for each statement, and where
 * stalls are reported.
 */
import type pg from "pg";
import { POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS } from "../clients/postgres.js";
import {
  defaultStallTimeoutMs,
  type PostgresSessionOptions,
  pgSessionConfig,
  type ResolvedSessionLimits,
  resolveSessionLimits,
} from "../clients/postgres-session.js";
import type { StallWatch } from "../sql/drivers/pg-connection.js";
import { DEFAULT_TRANSACTION_SETTINGS } from "../sql/executor.js";
import { type StallReporter, warnOfStall } from "../sql/stall.js";

/** Options of the PostgreSQL stack that bound stalls (see `docs/persistence.md`). */
export interface PostgresStallOptions extends PostgresSessionOptions {
  /**
   * The client's deadline for one statement's answer, ms: past it the connection is closed
   * (its socket destroyed, the pool told to forget it) and the statement fails with
   * `DATABASE_STALLED`. Default: `statementTimeoutMs` + 5 000 (so while the network works the
   * server's own timeout answers first); none when `statementTimeoutMs` is 0. A transaction's
   * deadline is `transactionTimeoutMs`, and a statement in flight then is closed the same way.
   */
  stallTimeoutMs?: number;
  /**
   * Receives each stall once: a client deadline that passed, or a statement the server ended
   * for `statement_timeout`, `lock_timeout` or `idle_in_transaction_session_timeout` — with the
   * statement, how long it waited and the connection's backend pid (default: one
   * `console.warn` line each).
   */
  onStall?: StallReporter;
}

/** What the stack builds its pool, driver and LISTEN connection with. */
export interface StallSettings {
  /** The session limits, with defaults applied. */
  limits: ResolvedSessionLimits;
  /** The driver's statement deadline and stall reporter. */
  watch: StallWatch;
  /**
   * The LISTEN connection's parameters: keepalive, the session limits, a connect timeout and
   * the statement deadline.
   */
  listener: pg.ClientConfig;
}

/**
 * Applies the defaults: `idle_in_transaction_session_timeout` defaults to the transaction
 * timeout, the statement deadline to `statement_timeout` plus a grace.
 */
export function stallSettings(
  options: PostgresStallOptions & { transactionTimeoutMs?: number; connectTimeoutMs?: number },
): StallSettings {
  const limits = resolveSessionLimits(
    options,
    options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_SETTINGS.timeoutMs,
  );
  const stallTimeoutMs = options.stallTimeoutMs ?? defaultStallTimeoutMs(limits);
  if (!Number.isFinite(stallTimeoutMs) || stallTimeoutMs < 0)
    throw new RangeError("[ratchet] [prisma] stallTimeoutMs must be 0 or a positive number of ms");
  const deadline = Math.ceil(stallTimeoutMs);
  return {
    limits,
    watch: { stallTimeoutMs: deadline, onStall: options.onStall ?? warnOfStall },
    listener: {
      ...pgSessionConfig(limits),
      connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULT_CONNECT_TIMEOUT_MS,
      // Its LISTEN statement too: one that does not answer fails, and the listener reconnects.
      ...(deadline > 0 ? { query_timeout: deadline } : {}),
    },
  };
}
