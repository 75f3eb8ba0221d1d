/**
 * createPostgresClient: the pool size, and what raw queries return for each column type
 * (adapters rely on this).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPostgresClient, type PostgresPrismaClient } from "../src/clients/postgres.js";
import { migrate } from "../src/migrate/index.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";

let database: TestDatabase;
let client: PostgresPrismaClient;
const at = new Date("2026-11-22T10:00:00.123Z");

beforeAll(async () => {
  database = await createPostgresDatabase("clients");
  client = createPostgresClient({ url: database.url, max: 2 });
  await migrate(client);
});

afterAll(async () => {
  await client?.$disconnect();
  await database?.drop();
});

describe("createPostgresClient", () => {
  test("raw queries: timestamptz as Date, integer as number, bigint and count(*) as bigint, text as string", async () => {
    await client.$executeRawUnsafe(
      `INSERT INTO ratchet_runs (id, workflow_id, status, input, config, metadata, created_at, updated_at)
       VALUES ($1, 'wf', 'PENDING', '{}', '{}', '{}', $2, $3)`,
      "run-raw",
      at,
      at,
    );
    const [row] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT id, version, created_at, started_at, count(*) OVER () AS n, 1 AS one, max(created_at) OVER () AS latest
       FROM ratchet_runs WHERE id = $1`,
      "run-raw",
    );
    expect(row).toEqual({
      id: "run-raw",
      version: 1,
      created_at: at,
      started_at: null,
      n: 1n,
      one: 1,
      latest: at,
    });
    const [big] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT 9007199254740993::bigint AS big, 1.5::float8 AS half, 'x' AS text`,
    );
    expect(big).toEqual({ big: 9007199254740993n, half: 1.5, text: "x" });
  });

  test("bytea reads as Uint8Array", async () => {
    await client.$executeRawUnsafe(
      `INSERT INTO ratchet_blobs (key, data, size, updated_at) VALUES ($1, $2, $3, $4)`,
      "blob-1",
      Buffer.from("hello"),
      5,
      at,
    );
    const [blob] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT data, size FROM ratchet_blobs WHERE key = 'blob-1'`,
    );
    expect(blob?.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob?.data as Uint8Array).toString()).toBe("hello");
    expect(blob?.size).toBe(5);
  });

  test("interactive transactions run at READ COMMITTED and roll back", async () => {
    const [level] = await client.$transaction((tx) =>
      tx.$queryRawUnsafe<{ level: string }[]>(
        `SELECT current_setting('transaction_isolation') AS level`,
      ),
    );
    expect(level).toEqual({ level: "read committed" });
    await expect(
      client.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          `INSERT INTO ratchet_logs (id, run_id, level, message, created_at) VALUES ('l1', 'r', 'info', 'm', $1)`,
          at,
        );
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await client.$queryRawUnsafe(`SELECT id FROM ratchet_logs`)).toEqual([]);
  });

  test("runs several statements in one parameterless $executeRawUnsafe", async () => {
    await client.$executeRawUnsafe(`CREATE TABLE probe_a (id int); CREATE TABLE probe_b (id int);`);
    const tables = await client.$queryRawUnsafe(
      `SELECT tablename FROM pg_tables WHERE tablename LIKE 'probe_%' ORDER BY 1`,
    );
    expect(tables).toEqual([{ tablename: "probe_a" }, { tablename: "probe_b" }]);
  });

  test("opens at most `max` connections", async () => {
    await Promise.all(
      Array.from({ length: 6 }, () => client.$executeRawUnsafe("SELECT pg_sleep(0.05)")),
    );
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      expect(Number(rows[0]?.n)).toBeLessThanOrEqual(2);
      expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
  });
});
