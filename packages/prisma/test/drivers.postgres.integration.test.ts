/**
 * The `pg` driver the PostgreSQL stack runs on: what statements return, named prepared
 * statements, and transactions (commit, rollback, timeout, waiting for a connection).
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConnectionWaitTimeoutError, TransactionTimeoutError } from "../src/sql/driver.js";
import { pgDriver } from "../src/sql/drivers/pg.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import { testPool } from "./support/pg-pool.js";

let database: TestDatabase;
let pool: pg.Pool;
const limits = { maxWaitMs: 2_000, timeoutMs: 5_000 };

beforeAll(async () => {
  database = await createPostgresDatabase("drivers");
  pool = testPool(database.url, 2);
  await pool.query("CREATE TABLE t (id text PRIMARY KEY, n int NOT NULL, at timestamptz)");
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe("pgDriver", () => {
  test("query returns rows with timestamptz as Date; execute returns the rows changed", async () => {
    const driver = pgDriver(pool);
    const at = new Date("2026-12-01T10:00:00.123Z");
    expect(
      await driver.execute("INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $3)", ["a", 1, at, "b", 2]),
    ).toBe(2);
    expect(await driver.query("SELECT id, n, at FROM t WHERE id = $1", ["a"])).toEqual([
      { id: "a", n: 1, at },
    ]);
    expect(await driver.execute("UPDATE t SET n = n + 1 WHERE id = $1", ["missing"])).toBe(0);
  });

  test("sends each statement text as one named prepared statement, shared by drivers of a pool", async () => {
    const single = testPool(database.url, 1);
    try {
      await pgDriver(single).query("SELECT n FROM t WHERE id = $1", ["a"]);
      await pgDriver(single).query("SELECT n FROM t WHERE id = $1", ["b"]);
      await pgDriver(single).query("SELECT id FROM t WHERE n = $1", [1]);
      const { rows } = await single.query(
        "SELECT name, statement FROM pg_prepared_statements ORDER BY name",
      );
      expect(rows).toEqual([
        { name: "ratchet_0", statement: "SELECT n FROM t WHERE id = $1" },
        { name: "ratchet_1", statement: "SELECT id FROM t WHERE n = $1" },
      ]);
    } finally {
      await single.end();
    }
  });

  test("a transaction commits when fn resolves and rolls back when it throws", async () => {
    const driver = pgDriver(pool);
    await driver.transaction(async (tx) => {
      await tx.execute("INSERT INTO t VALUES ($1, $2, NULL)", ["c", 3]);
    }, limits);
    await expect(
      driver.transaction(async (tx) => {
        await tx.execute("INSERT INTO t VALUES ($1, $2, NULL)", ["d", 4]);
        throw new Error("boom");
      }, limits),
    ).rejects.toThrow("boom");
    const ids = (await driver.query("SELECT id FROM t ORDER BY id", [])).map((r) => r.id);
    expect(ids).toContain("c");
    expect(ids).not.toContain("d");
  });

  test("a transaction past its timeout is rolled back at once, releasing its locks and connection", async () => {
    const driver = pgDriver(pool);
    let release!: () => void;
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = driver.transaction(
      async (tx) => {
        await tx.execute("UPDATE t SET n = 100 WHERE id = $1", ["a"]);
        await hung;
        await tx.execute("UPDATE t SET n = 200 WHERE id = $1", ["a"]);
      },
      { maxWaitMs: 2_000, timeoutMs: 200 },
    );
    const settled = slow.catch((error: unknown) => error);
    // The row lock is released by the rollback, long before `fn` comes back.
    const started = Date.now();
    await driver.transaction(
      async (tx) => tx.execute("UPDATE t SET n = 7 WHERE id = $1", ["a"]),
      limits,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    release();
    expect(await settled).toBeInstanceOf(TransactionTimeoutError);
    expect(await driver.query("SELECT n FROM t WHERE id = $1", ["a"])).toEqual([{ n: 7 }]);
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  test("waiting longer than maxWaitMs for a connection fails with POOL_WAIT_TIMEOUT", async () => {
    const driver = pgDriver(pool);
    const held = await Promise.all([pool.connect(), pool.connect()]);
    try {
      const error = await driver
        .transaction(async () => undefined, { maxWaitMs: 100, timeoutMs: 5_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionWaitTimeoutError);
      expect((error as ConnectionWaitTimeoutError).code).toBe("POOL_WAIT_TIMEOUT");
    } finally {
      for (const client of held) client.release();
    }
    // The connection that arrived late went back to the pool, not to a leak.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });
});
