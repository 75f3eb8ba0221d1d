/**
 * Every error `code` `@ratchet/prisma` raises or stores, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/prisma`, each with when it happens.
 *
 * Errors of the kernel (`ErrorCode` of `@ratchet/kernel`) and of the database drivers (e.g.
 * SQLite's `SQLITE_BUSY`, Prisma's `P…` codes) pass through with their own codes.
 */
export const PRISMA_ERROR_CODES = [
  // Reading rows back
  /** A stored JSON column holds invalid JSON or JSON of the wrong kind (`CorruptRowError`). */
  "CORRUPT_ROW",

  // Stacks and drivers
  /** `createSqliteStack` got no database file path (or `":memory:"`). */
  "INVALID_SQLITE_FILE",
  /** PostgreSQL: a transaction outlived its timeout and was rolled back (a plain `Error`). */
  "TRANSACTION_TIMEOUT",
  /** PostgreSQL: no pooled connection became free within `poolWaitMs` (a plain `Error`). */
  "POOL_WAIT_TIMEOUT",
  /**
   * PostgreSQL: a statement got no answer within `stallTimeoutMs`, or a transaction passed
   * `transactionTimeoutMs` with a statement in flight; the connection was closed
   * (`DatabaseStalledError`).
   */
  "DATABASE_STALLED",

  /**
   * D1: another isolate's transaction held the database (`ratchet_d1_lock`) for longer than
   * `lockWaitMs` (`D1LockTimeoutError`, transient).
   */
  "D1_LOCK_TIMEOUT",
  /**
   * D1: a transaction's lease expired and another isolate rolled it back; nothing of it was
   * committed (`D1LockLostError`, transient).
   */
  "D1_LOCK_LOST",

  // Persistence
  /** PostgreSQL: `lockSignalKey` was called outside a transaction (its lock would end at once). */
  "NOT_IN_TRANSACTION",
  /** `saveBreaker` of a circuit breaker `lockBreaker` did not create or lock first. */
  "BREAKER_NOT_LOCKED",

  // Job queue
  /** Stored on a job whose lease expired before it settled (reaping released or failed it). */
  "LEASE_EXPIRED",

  // Migrations (`MigrationError`, from `migrate()`)
  /** An applied migration's checksum differs from this package's copy (the file was edited). */
  "MIGRATION_CHECKSUM_MISMATCH",
  /** The database holds a migration this package does not know (the database is newer). */
  "MIGRATION_UNKNOWN",
  /** A migration's SQL failed; its transaction was rolled back. */
  "MIGRATION_FAILED",
  /** Another process held the migration lock for longer than `lockTimeoutMs`. */
  "MIGRATION_LOCK_TIMEOUT",
  /** The client's database provider could not be determined or is not supported. */
  "MIGRATION_PROVIDER_UNSUPPORTED",
  /** The list of migrations passed in is malformed (bad id, duplicate, wrong order). */
  "MIGRATION_INVALID",
] as const;

/** One of the {@link PRISMA_ERROR_CODES}: a stable `code` `@ratchet/prisma` raises or stores. */
export type PrismaErrorCode = (typeof PRISMA_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(PRISMA_ERROR_CODES);

/** Whether `value` is one of the {@link PrismaErrorCode}s. */
export function isPrismaErrorCode(value: unknown): value is PrismaErrorCode {
  return typeof value === "string" && CODES.has(value);
}
