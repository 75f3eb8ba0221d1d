/**
 * The migrator on PostgreSQL (one database for this file, emptied before each test): the
 * conformance suite, plus PostgreSQL's own concerns: the advisory lock and its timeout.
 */
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { createPostgresClient } from "../src/clients/postgres.js";
import {
  MIGRATIONS,
  MigrationError,
  migrate,
  POSTGRES_MIGRATION_LOCK_KEY,
} from "../src/migrate/index.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import { type Catalog, migrateConformance, type TestClient } from "./migrate.conformance.js";

let database: TestDatabase | undefined;

function current(): TestDatabase {
  if (database === undefined) throw new Error("reset() first");
  return database;
}

async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: current().url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function postgresCatalog(client: TestClient): Promise<Catalog> {
  const tables = await client.$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
  );
  const indexes = await client.$queryRawUnsafe<{ name: string }[]>(
    `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
  );
  return { tables: tables.map((row) => row.name), indexes: indexes.map((row) => row.name) };
}

afterAll(async () => {
  await database?.drop();
});

migrateConformance({
  provider: "postgresql",
  async reset() {
    database ??= await createPostgresDatabase("migrate");
    await withPg((client) => client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"));
  },
  client: () => createPostgresClient({ url: current().url, max: 2 }),
  catalog: postgresCatalog,
  primaryKeyIndex: (table) => `${table}_pkey`,
});

describe("migrate() on PostgreSQL: locking", () => {
  test("waits on the advisory lock, times out with MIGRATION_LOCK_TIMEOUT, then migrates once it is released", async () => {
    database ??= await createPostgresDatabase("migrate");
    await withPg((client) => client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"));
    const client = createPostgresClient({ url: current().url, max: 2 });
    const holder = new pg.Client({ connectionString: current().url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT pg_advisory_xact_lock(${POSTGRES_MIGRATION_LOCK_KEY})`);

      const started = Date.now();
      const error = await migrate(client, { lockTimeoutMs: 300 }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).code).toBe("MIGRATION_LOCK_TIMEOUT");
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect((await postgresCatalog(client)).tables).toEqual([]);

      const waiting = migrate(client, { lockTimeoutMs: 10_000 });
      setTimeout(() => void holder.query("COMMIT"), 200);
      expect((await waiting).applied).toEqual(
        MIGRATIONS.postgresql.map((migration) => migration.id),
      );
    } finally {
      await holder.end();
      await client.$disconnect();
    }
  });
});
