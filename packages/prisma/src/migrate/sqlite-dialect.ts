/**
 * SQLite: the lock is SQLite's own write lock, taken up front by a no-op write to the
 * bookkeeping table (Prisma's SQLite transactions start with a deferred `BEGIN`, and a deferred
 * transaction that reads first may fail to upgrade later). While it migrates, the connection's
 * busy timeout is 0 and a busy database is retried with an asynchronous back-off instead:
 * better-sqlite3 waits for a lock synchronously, which would stall the whole process, including
 * another client in the same process that holds the lock.
 *
 * Scripts are split into statements, because better-sqlite3 prepares one statement per call.
 */
import type { MigrationQueryable } from "./client.js";
import { errorTexts, type MigrationDialect } from "./dialect.js";
import { MIGRATIONS_TABLE, type Migration } from "./migration.js";
import { splitSqlStatements } from "./statements.js";

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "checksum" TEXT NOT NULL,
    "applied_at" DATETIME NOT NULL
)`;

async function busyTimeout(client: MigrationQueryable): Promise<number | undefined> {
  const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>("PRAGMA busy_timeout");
  const value = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
  return typeof value === "number" || typeof value === "bigint" ? Number(value) : undefined;
}

/** The SQLite {@link MigrationDialect}. */
export const sqliteDialect: MigrationDialect = {
  provider: "sqlite",

  async setUp(client: MigrationQueryable) {
    const previous = await busyTimeout(client);
    await client.$queryRawUnsafe("PRAGMA busy_timeout = 0");
    return async () => {
      if (previous !== undefined) await client.$queryRawUnsafe(`PRAGMA busy_timeout = ${previous}`);
    };
  },

  async lock(tx: MigrationQueryable) {
    await tx.$executeRawUnsafe(CREATE_TABLE);
    // A write that changes nothing but takes the database's write lock until COMMIT.
    await tx.$executeRawUnsafe(`UPDATE "${MIGRATIONS_TABLE}" SET "id" = "id" WHERE 1 = 0`);
  },

  async execute(tx: MigrationQueryable, sql: string) {
    for (const statement of splitSqlStatements(sql)) await tx.$executeRawUnsafe(statement);
  },

  async record(tx: MigrationQueryable, migration: Migration) {
    // A Date is stored as the client's timestampFormat says (integer ms for createSqliteClient).
    await tx.$executeRawUnsafe(
      `INSERT INTO "${MIGRATIONS_TABLE}" ("id", "checksum", "applied_at") VALUES (?, ?, ?)`,
      migration.id,
      migration.checksum,
      new Date(),
    );
  },

  isLockBusy(error: unknown) {
    return errorTexts(error).some(
      (text) => text.startsWith("SQLITE_BUSY") || text.includes("database is locked"),
    );
  },

  isLockTimeout() {
    return false;
  },
};
