/**
 * A fresh PostgreSQL database for one test file, on the server named by
 * RATCHET_TEST_DATABASE_URL, dropped afterwards (copied from `@ratchet/prisma`'s test support,
 * not imported across packages' test folders). Never skips: an unreachable server fails the
 * test and says how to start it.
 */
import { randomBytes } from "node:crypto";
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

/** Creates an empty database named after `label`; `drop()` removes it (even with open connections). */
export async function createPostgresDatabase(label: string): Promise<TestDatabase> {
  const name = `ratchet_test_${label
    .replace(/[^a-z0-9]/gi, "_")
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
