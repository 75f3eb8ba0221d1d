/**
 * Transient store errors: failures about the moment (a lost connection, a serialization failure
 * or deadlock, a busy, stalled or overloaded database), not about the data being written, so
 * the same work may succeed a moment later. The kernel never fails a run for one of them.
 */

/**
 * Error codes of transient failures that drivers and adapters raise (not the kernel's own, so
 * written as one list, outside the kernel's error-code list): PostgreSQL's lock_not_available
 * and query_canceled (statement_timeout); Prisma's can't reach / timed out / server closed
 * the connection, pool timeout, write conflict or deadlock; SQLite's locked database file;
 * `@ratchet/prisma`'s own; Node's network errors.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(
  [
    "55P03 57014",
    "P1001 P1002 P1008 P1017 P2024 P2034",
    "SQLITE_BUSY SQLITE_LOCKED",
    "TRANSACTION_TIMEOUT POOL_WAIT_TIMEOUT DATABASE_STALLED",
    "ECONNRESET ECONNREFUSED ETIMEDOUT EPIPE EAI_AGAIN",
  ]
    .join(" ")
    .split(" "),
);

/**
 * PostgreSQL SQLSTATE classes of transient failures: 08 connection exception, 40 transaction
 * rollback (serialization failure, deadlock), 53 insufficient resources, 57P operator
 * intervention (shutdown, cannot connect now).
 */
const TRANSIENT_SQLSTATE = /^(08|40|53)[0-9A-Z]{3}$|^57P[0-9A-Z]{2}$/;

/**
 * Whether `error` (or an error in its `cause` chain) is a transient store failure: it says so
 * (`transient: true`, as an adapter may mark an error worth retrying), or its `code` is one of a
 * transient kind — a PostgreSQL SQLSTATE of class 08, 40, 53 or 57P (or 55P03, 57014), a
 * Prisma connection or conflict code (P1001, P1002, P1008, P1017, P2024, P2034), SQLite's
 * `SQLITE_BUSY`/`SQLITE_LOCKED` (extended codes included), `@ratchet/prisma`'s
 * `TRANSACTION_TIMEOUT`, `POOL_WAIT_TIMEOUT` and `DATABASE_STALLED`, or a Node network error.
 */
export function isTransientError(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const { transient, code } = current as { transient?: unknown; code?: unknown };
    if (transient === true) return true;
    if (typeof code === "string") {
      if (TRANSIENT_CODES.has(code) || TRANSIENT_SQLSTATE.test(code)) return true;
      if (code.startsWith("SQLITE_BUSY_") || code.startsWith("SQLITE_LOCKED_")) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
