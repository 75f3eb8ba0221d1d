/**
 * Real databases for tests: a fresh PostgreSQL database per test file (created on the server
 * named by RATCHET_TEST_DATABASE_URL, dropped afterwards) and a temporary SQLite file.
 * Nothing here skips: if PostgreSQL is unreachable, the test fails and says how to start it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The server tests create their databases on. */
export const POSTGRES_ADMIN_URL =
  process.env.RATCHET_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A database created for one test file. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: POSTGRES_ADMIN_URL,
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `[ratchet] [test] cannot reach PostgreSQL at ${POSTGRES_ADMIN_URL} (${(error as Error).message}). ` +
        "Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set RATCHET_TEST_DATABASE_URL.",
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Options of {@link createPostgresDatabase}. */
export interface CreatePostgresDatabaseOptions {
  /**
   * Copy this database (`CREATE DATABASE … TEMPLATE`, e.g. one made by
   * {@link createMigratedPostgresTemplate}) instead of creating an empty one; `null` or absent:
   * empty.
   */
  template?: string | null;
}

/**
 * Creates a database named after `label` — empty, or a copy of `options.template`; `drop()`
 * removes it (even with open connections).
 */
export async function createPostgresDatabase(
  label: string,
  options: CreatePostgresDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = `ratchet_test_${label
    .replace(/[^a-z0-9]/gi, "_")
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  const template = options.template ? ` TEMPLATE "${options.template}"` : "";
  await admin((client) => client.query(`CREATE DATABASE "${name}"${template}`));
  return {
    name,
    url: withDatabase(POSTGRES_ADMIN_URL, name),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** A temporary directory with an SQLite file path in it; `cleanup()` removes both. */
export function createSqliteFile(label: string): { file: string; url: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `ratchet-${label}-`));
  const file = join(dir, "ratchet.db");
  return {
    file,
    url: `file:${file}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
