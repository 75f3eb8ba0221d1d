/**
 * One real database per test file for the suites that run on both SQLite and PostgreSQL: a
 * temporary SQLite file, or a fresh PostgreSQL database on RATCHET_TEST_DATABASE_URL's server
 * (dropped afterwards; creating it fails, never skips, when the server is unreachable).
 */
import { createPostgresStack, createSqliteStack, type PrismaStack } from "@ratchet/prisma";
import { createPostgresDatabase, createSqliteFile } from "@ratchet/prisma/testing";

/** A database for one test file. */
export interface CliTestDatabase {
  /** `--database-url` of the CLI. */
  url: string;
  /** Opens (and migrates) it in this process. */
  open(): Promise<PrismaStack>;
  /** Removes it. */
  cleanup(): Promise<void>;
}

/** Makes the database of a suite (called once, before its tests). */
export type CreateCliTestDatabase = () => Promise<CliTestDatabase>;

/** A temporary SQLite file named after `label`. */
export async function sqliteDatabase(label: string): Promise<CliTestDatabase> {
  const db = createSqliteFile(label);
  return {
    url: db.url,
    open: () => createSqliteStack({ file: db.file }),
    cleanup: async () => db.cleanup(),
  };
}

/** A fresh PostgreSQL database named after `label`, dropped by `cleanup()`. */
export async function postgresDatabase(label: string): Promise<CliTestDatabase> {
  const db = await createPostgresDatabase(label);
  return {
    url: db.url,
    open: () => createPostgresStack({ url: db.url, poolSize: 2 }),
    cleanup: () => db.drop(),
  };
}
