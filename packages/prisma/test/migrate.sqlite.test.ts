/**
 * The migrator on SQLite (a temporary database file per test): the conformance suite, plus
 * SQLite's own concerns: the write lock taken up front, and the busy timeout restored.
 */
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { createSqliteClient } from "../src/clients/sqlite.js";
import { MIGRATIONS, MigrationError, migrate } from "../src/migrate/index.js";
import { createSqliteFile } from "../src/testing/index.js";
import { type Catalog, migrateConformance, type TestClient } from "./migrate.conformance.js";

let database: ReturnType<typeof createSqliteFile> | undefined;
const files: Array<ReturnType<typeof createSqliteFile>> = [];

function current() {
  if (database === undefined) throw new Error("reset() first");
  return database;
}

async function sqliteCatalog(client: TestClient): Promise<Catalog> {
  const rows = await client.$queryRawUnsafe<{ type: string; name: string }[]>(
    `SELECT "type", "name" FROM sqlite_master WHERE "name" NOT LIKE 'sqlite_%' ORDER BY "name"`,
  );
  return {
    tables: rows.filter((row) => row.type === "table").map((row) => row.name),
    indexes: rows.filter((row) => row.type === "index").map((row) => row.name),
  };
}

afterAll(() => {
  for (const file of files) file.cleanup();
});

migrateConformance({
  provider: "sqlite",
  async reset() {
    database = createSqliteFile("migrate");
    files.push(database);
  },
  client: () => createSqliteClient({ file: current().file }),
  catalog: sqliteCatalog,
});

describe("migrate() on SQLite: locking", () => {
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.$disconnect()));
  });

  test("waits for another connection's write lock, times out with MIGRATION_LOCK_TIMEOUT, and restores busy_timeout", async () => {
    const file = createSqliteFile("migrate-lock");
    files.push(file);
    const client = createSqliteClient({ file: file.file });
    clients.push(client);
    // Another process of the same deployment: WAL mode, holding the write lock.
    const holder = new Database(file.file);
    holder.pragma("journal_mode = WAL");
    try {
      holder.exec("BEGIN IMMEDIATE");
      const started = Date.now();
      const error = await migrate(client, { lockTimeoutMs: 300 }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).code).toBe("MIGRATION_LOCK_TIMEOUT");
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(await client.$queryRawUnsafe("PRAGMA busy_timeout")).toEqual([{ timeout: 5000n }]);

      // Released while the migrator waits: it takes the lock and migrates.
      const waiting = migrate(client, { lockTimeoutMs: 10_000 });
      setTimeout(() => holder.exec("COMMIT"), 200);
      expect((await waiting).applied).toEqual(MIGRATIONS.sqlite.map((migration) => migration.id));
      expect(await client.$queryRawUnsafe("PRAGMA busy_timeout")).toEqual([{ timeout: 5000n }]);
    } finally {
      holder.close();
    }
  });

  test("two clients at once on one file do not stall each other (the lock is polled, not waited on synchronously)", async () => {
    const file = createSqliteFile("migrate-race");
    files.push(file);
    const a = createSqliteClient({ file: file.file });
    const b = createSqliteClient({ file: file.file });
    clients.push(a, b);
    const started = Date.now();
    const results = await Promise.all([migrate(a), migrate(b)]);
    // better-sqlite3 waits for a busy lock synchronously; with busy_timeout left at 5000 ms the
    // loser would block the event loop (and the winner) for 5 s.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(results.flatMap((result) => result.applied)).toEqual(
      MIGRATIONS.sqlite.map((migration) => migration.id),
    );
  });
});
