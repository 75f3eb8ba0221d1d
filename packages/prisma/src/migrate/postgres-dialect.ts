/**
 * PostgreSQL: the lock is a transaction-level advisory lock with a fixed key, so concurrent
 * migrators queue on the server and the lock is released by COMMIT or ROLLBACK (even when the
 * process dies). A migration script runs in one call: without parameters `pg` uses the simple
 * query protocol, which accepts several statements.
 */
import type { MigrationQueryable } from "./client.js";
import { errorTexts, type MigrationDialect } from "./dialect.js";
import { MIGRATIONS_TABLE, type Migration } from "./migration.js";

/** The advisory lock key migrators take (`"ratchet"` in ASCII, as a bigint). */
export const POSTGRES_MIGRATION_LOCK_KEY = 32195005543309684n;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
    "id" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "${MIGRATIONS_TABLE}_pkey" PRIMARY KEY ("id")
)`;

/** The PostgreSQL {@link MigrationDialect}. */
export const postgresDialect: MigrationDialect = {
  provider: "postgresql",

  async setUp() {
    return async () => {};
  },

  async lock(tx: MigrationQueryable, lockTimeoutMs: number) {
    // A migration may rewrite a large table: the session's statement_timeout (the stacks set
    // one) does not apply to it; the migration's transaction timeout does.
    await tx.$executeRawUnsafe("SET LOCAL statement_timeout = 0");
    // Bound the wait for the advisory lock only, then restore the session's lock_timeout.
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${Math.max(1, Math.ceil(lockTimeoutMs))}`);
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${POSTGRES_MIGRATION_LOCK_KEY})`);
    await tx.$executeRawUnsafe("SET LOCAL lock_timeout TO DEFAULT");
    // Under the lock, so two first runs cannot race on creating the table.
    await tx.$executeRawUnsafe(CREATE_TABLE);
  },

  async execute(tx: MigrationQueryable, sql: string) {
    await tx.$executeRawUnsafe(sql);
  },

  async record(tx: MigrationQueryable, migration: Migration) {
    await tx.$executeRawUnsafe(
      `INSERT INTO "${MIGRATIONS_TABLE}" ("id", "checksum", "applied_at") VALUES ($1, $2, CURRENT_TIMESTAMP)`,
      migration.id,
      migration.checksum,
    );
  },

  isLockBusy() {
    return false;
  },

  isLockTimeout(error: unknown) {
    return errorTexts(error).some(
      (text) => text === "55P03" || text.includes("canceling statement due to lock timeout"),
    );
  },
};
