/**
 * The migrator's conformance suite, run by migrate.sqlite.test.ts and
 * migrate.postgres.integration.test.ts against real databases. Each test gets an empty
 * database from the harness and checks what was really written through the catalog.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SCHEMA_PATH } from "../scripts/schemas.mjs";
import {
  MIGRATIONS,
  type Migration,
  type MigrationClient,
  MigrationError,
  migrate,
} from "../src/migrate/index.js";
import type { DatabaseProvider } from "../src/provider.js";

/** A client the suite can migrate, read and close. */
export type TestClient = MigrationClient & { $disconnect(): Promise<void> };

/** Tables and indexes present in a database. */
export interface Catalog {
  tables: string[];
  indexes: string[];
}

/** What a database-specific test file provides. */
export interface MigrateHarness {
  provider: DatabaseProvider;
  /** Makes the database empty (first call: creates it). */
  reset(): Promise<void>;
  /** A new client (with its own connection or pool) on the database. */
  client(): TestClient;
  /** Reads the catalog, bypassing the migrator. */
  catalog(client: TestClient): Promise<Catalog>;
  /** Indexes the database creates for every primary key, by table (e.g. `<table>_pkey`). */
  primaryKeyIndex?(table: string): string;
}

/** A migration for tests, with its real checksum. */
export function testMigration(id: string, sql: string): Migration {
  return { id, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

/** Table and index names declared by prisma/schema.prisma (`@@map`, `map:`). */
export function schemaObjects(): { tables: string[]; indexes: string[] } {
  const schema = readFileSync(SCHEMA_PATH, "utf8");
  const tables = [...schema.matchAll(/@@map\("([^"]+)"\)/g)].map((match) => match[1] as string);
  const indexes = [...schema.matchAll(/\bmap:\s*"([^"]+)"/g)].map((match) => match[1] as string);
  return { tables, indexes };
}

const probe = (name: string) =>
  `CREATE TABLE "${name}" ("id" TEXT NOT NULL PRIMARY KEY);\nCREATE INDEX "${name}_idx" ON "${name}"("id");\n`;

/** Registers the migrator's conformance tests for one database. */
export function migrateConformance(harness: MigrateHarness): void {
  const embedded = MIGRATIONS[harness.provider];
  const embeddedIds = embedded.map((migration) => migration.id);
  const probeA = testMigration("9001_probe_a", probe("ratchet_probe_a"));
  const probeB = testMigration("9002_probe_b", probe("ratchet_probe_b"));
  let clients: TestClient[] = [];

  const open = () => {
    const client = harness.client();
    clients.push(client);
    return client;
  };
  const bookkeeping = async (client: TestClient) =>
    client.$queryRawUnsafe<{ id: string; checksum: string; applied_at: unknown }[]>(
      `SELECT "id", "checksum", "applied_at" FROM "ratchet_migrations" ORDER BY "id"`,
    );
  const snapshot = async (client: TestClient) => ({
    catalog: await harness.catalog(client),
    rows: (await bookkeeping(client)).map(({ id, checksum }) => ({ id, checksum })),
  });
  const rejection = async (promise: Promise<unknown>): Promise<MigrationError> => {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(MigrationError);
    return error as MigrationError;
  };

  describe(`migrate() on ${harness.provider}`, () => {
    beforeEach(async () => {
      await harness.reset();
    });

    afterEach(async () => {
      await Promise.all(clients.map((client) => client.$disconnect()));
      clients = [];
    });

    test("has embedded migrations, starting with 0001_init", () => {
      expect(embeddedIds[0]).toBe("0001_init");
      for (const migration of embedded) expect(migration.sql.length).toBeGreaterThan(0);
    });

    test("applies every migration to an empty database: every table and index of the schema exists", async () => {
      const client = open();
      const before = Date.now();
      const result = await migrate(client);
      expect(result).toEqual({ applied: embeddedIds, alreadyApplied: [] });

      const { tables, indexes } = await harness.catalog(client);
      const expected = schemaObjects();
      expect(expected.tables.length).toBeGreaterThanOrEqual(8);
      expect(tables).toEqual(expect.arrayContaining([...expected.tables, "ratchet_migrations"]));
      expect(indexes).toEqual(expect.arrayContaining(expected.indexes));
      if (harness.primaryKeyIndex) {
        expect(indexes).toEqual(
          expect.arrayContaining(expected.tables.map(harness.primaryKeyIndex)),
        );
      }

      const rows = await bookkeeping(client);
      expect(rows.map(({ id, checksum }) => ({ id, checksum }))).toEqual(
        embedded.map(({ id, checksum }) => ({ id, checksum })),
      );
      for (const row of rows) {
        expect(row.applied_at).toBeInstanceOf(Date);
        expect((row.applied_at as Date).getTime()).toBeGreaterThanOrEqual(before - 1_000);
        expect((row.applied_at as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
      }
    });

    test("is idempotent: a second run applies nothing and changes nothing", async () => {
      const client = open();
      await migrate(client);
      const before = await snapshot(client);
      const lines: string[] = [];
      const again = await migrate(client, { log: (line) => lines.push(line) });
      expect(again).toEqual({ applied: [], alreadyApplied: embeddedIds });
      expect(await snapshot(client)).toEqual(before);
      expect(lines.at(-1)).toMatch(/^\[ratchet\] \[prisma\] \w+: up to date \(0 applied/);
    });

    test("applies only the pending migrations, each with its bookkeeping row, and logs progress", async () => {
      const client = open();
      await migrate(client);
      const lines: string[] = [];
      const result = await migrate(client, {
        migrations: [...embedded, probeA, probeB],
        log: (line) => lines.push(line),
      });
      expect(result).toEqual({ applied: [probeA.id, probeB.id], alreadyApplied: embeddedIds });
      const { tables } = await harness.catalog(client);
      expect(tables).toEqual(expect.arrayContaining(["ratchet_probe_a", "ratchet_probe_b"]));
      expect((await bookkeeping(client)).map((row) => row.id)).toEqual([
        ...embeddedIds,
        probeA.id,
        probeB.id,
      ]);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringContaining(`applying ${probeA.id}`),
          expect.stringContaining(`applied ${probeB.id}`),
        ]),
      );
    });

    test("refuses an edited migration (MIGRATION_CHECKSUM_MISMATCH) and leaves the database untouched", async () => {
      const client = open();
      await migrate(client);
      const before = await snapshot(client);
      const [first, ...rest] = embedded;
      if (first === undefined) throw new Error("no embedded migration");
      const edited = testMigration(first.id, `${first.sql}\n-- edited after it was applied\n`);

      const error = await rejection(migrate(client, { migrations: [edited, ...rest, probeA] }));
      expect(error.code).toBe("MIGRATION_CHECKSUM_MISMATCH");
      expect(error.migrationId).toBe(first.id);
      expect(error.message).toMatch(
        /^\[ratchet\] \[prisma\] migration 0001_init was applied with checksum/,
      );
      // The pending probe migration was not applied either.
      expect(await snapshot(client)).toEqual(before);
    });

    test("refuses a database migrated by a newer version (MIGRATION_UNKNOWN) and leaves it untouched", async () => {
      const client = open();
      await migrate(client);
      await client.$executeRawUnsafe(
        `INSERT INTO "ratchet_migrations" ("id", "checksum", "applied_at") VALUES ('9999_from_the_future', '${"0".repeat(64)}', CURRENT_TIMESTAMP)`,
      );
      const before = await snapshot(client);

      const error = await rejection(migrate(client, { migrations: [...embedded, probeA] }));
      expect(error.code).toBe("MIGRATION_UNKNOWN");
      expect(error.migrationId).toBe("9999_from_the_future");
      expect(await snapshot(client)).toEqual(before);
    });

    test("rolls a failing migration back together with its bookkeeping row (MIGRATION_FAILED)", async () => {
      const client = open();
      const failing = testMigration(
        "9001_fails_halfway",
        `CREATE TABLE "ratchet_probe_fail" ("id" TEXT NOT NULL PRIMARY KEY);\nINSERT INTO "ratchet_no_such_table" ("id") VALUES ('x');\n`,
      );
      const error = await rejection(migrate(client, { migrations: [...embedded, failing] }));
      expect(error.code).toBe("MIGRATION_FAILED");
      expect(error.migrationId).toBe(failing.id);
      expect(error.cause).toBeDefined();

      const { tables } = await harness.catalog(client);
      expect(tables).not.toContain("ratchet_probe_fail");
      expect((await bookkeeping(client)).map((row) => row.id)).toEqual(embeddedIds);
      // Fixed, it applies.
      const fixed = testMigration("9001_fails_halfway", probe("ratchet_probe_fail"));
      expect(await migrate(client, { migrations: [...embedded, fixed] })).toEqual({
        applied: [fixed.id],
        alreadyApplied: embeddedIds,
      });
    });

    test("two migrators on separate clients at once: each migration is applied exactly once, no error", async () => {
      const migrations = [...embedded, probeA, probeB];
      const allIds = migrations.map((migration) => migration.id);
      const [a, b] = [open(), open()];
      const [ra, rb] = await Promise.all([migrate(a, { migrations }), migrate(b, { migrations })]);

      expect([...ra.applied, ...rb.applied].sort()).toEqual(allIds);
      expect(ra.applied.filter((id) => rb.applied.includes(id))).toEqual([]);
      expect([...ra.applied, ...ra.alreadyApplied].sort()).toEqual(allIds);
      expect([...rb.applied, ...rb.alreadyApplied].sort()).toEqual(allIds);
      expect((await bookkeeping(a)).map((row) => row.id)).toEqual(allIds);
      expect(await migrate(b, { migrations })).toEqual({ applied: [], alreadyApplied: allIds });
    });

    test("0006_versions_and_routes routes runs and jobs stored before it by workflow id while they can still run", async () => {
      const client = open();
      const upTo = embeddedIds.indexOf("0006_versions_and_routes");
      expect(upTo).toBeGreaterThan(0);
      await migrate(client, { migrations: embedded.slice(0, upTo) });
      const at = harness.provider === "postgresql" ? "'2026-01-01T00:00:00Z'" : "1767225600000";
      const runStatuses = ["PENDING", "RUNNING", "COMPLETED", "FAILED"];
      const jobStatuses = ["PENDING", "RUNNING", "COMPLETED", "SUSPENDED"];
      for (let i = 0; i < 4; i++) {
        await client.$executeRawUnsafe(
          `INSERT INTO ratchet_runs (id, workflow_id, status, input, config, metadata, created_at, updated_at)
           VALUES ('run-${i}', 'wf-${i}', '${runStatuses[i]}', '{}', '{}', '{}', ${at}, ${at})`,
        );
        await client.$executeRawUnsafe(
          `INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, stage_id, status, max_attempts, payload, available_at, created_at, updated_at)
           VALUES ('job-${i}', 'run-${i}', 'wf-${i}', 's', '${jobStatuses[i]}', 3, '{}', ${at}, ${at}, ${at})`,
        );
      }
      await migrate(client);
      const runs = await client.$queryRawUnsafe<Record<string, unknown>[]>(
        "SELECT id, workflow_version, fingerprint, route FROM ratchet_runs ORDER BY id",
      );
      expect(runs.map((r) => [r.id, r.workflow_version, r.fingerprint, r.route])).toEqual([
        ["run-0", "", "", "wf-0"],
        ["run-1", "", "", "wf-1"],
        ["run-2", "", "", ""],
        ["run-3", "", "", ""],
      ]);
      const jobs = await client.$queryRawUnsafe<Record<string, unknown>[]>(
        "SELECT job_id, route FROM ratchet_jobs ORDER BY job_id",
      );
      expect(jobs.map((r) => [r.job_id, r.route])).toEqual([
        ["job-0", "wf-0"],
        ["job-1", "wf-1"],
        ["job-2", ""],
        ["job-3", ""],
      ]);
    });

    test("rejects a malformed migration list (MIGRATION_INVALID) before touching the database", async () => {
      const client = open();
      const outOfOrder = [probeB, probeA];
      const error = await rejection(migrate(client, { migrations: outOfOrder }));
      expect(error.code).toBe("MIGRATION_INVALID");
      expect((await harness.catalog(client)).tables).toEqual([]);
    });
  });
}
