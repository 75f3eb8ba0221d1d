/**
 * The PostgreSQL executor's transactions: held-back writes travel as one statement, and a
 * transaction that only holds writes back never sends BEGIN/COMMIT — yet stays atomic.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postgresDialect } from "../src/sql/dialect.js";
import { pgDriver } from "../src/sql/drivers/pg.js";
import { createExecutor, type SqlExecutor } from "../src/sql/executor.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";
import { testPool } from "./support/pg-pool.js";

let database: TestDatabase;
let pool: pg.Pool;
let db: SqlExecutor;
const sent: string[] = [];

beforeAll(async () => {
  database = await createPostgresDatabase("executor");
  pool = testPool(database.url, 3);
  await pool.query("CREATE TABLE t (id text PRIMARY KEY, n int NOT NULL CHECK (n >= 0))");
  db = createExecutor(pgDriver(pool), postgresDialect, {
    maxWaitMs: 2_000,
    timeoutMs: 5_000,
    onStatement: (sql) => sent.push(sql.startsWith("WITH") ? "WITH…" : (sql.split(" ")[0] ?? sql)),
  });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const ids = async () => (await pool.query("SELECT id FROM t ORDER BY id")).rows.map((r) => r.id);

describe("PostgreSQL transactions", () => {
  test("only held-back writes: one statement, no BEGIN or COMMIT", async () => {
    sent.length = 0;
    await db.transaction(async (tx) => {
      await tx.write("INSERT INTO t VALUES ($1, $2)", "a", 1);
      await tx.write("INSERT INTO t VALUES ($1, $2)", "b", 2);
    });
    expect(sent).toEqual(["WITH…"]);
    expect(await ids()).toEqual(["a", "b"]);
  });

  test("the combined statement is atomic: one failing write rolls back the others", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.write("INSERT INTO t VALUES ($1, $2)", "c", 3);
        await tx.write("INSERT INTO t VALUES ($1, $2)", "d", -1);
      }),
    ).rejects.toThrow(/check constraint/);
    expect(await ids()).toEqual(["a", "b"]);
  });

  test("a statement that needs an answer opens the transaction, and the writes before it join it", async () => {
    sent.length = 0;
    await expect(
      db.transaction(async (tx) => {
        await tx.write("INSERT INTO t VALUES ($1, $2)", "e", 5);
        const [row] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM t");
        expect(row?.n).toBe(3);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(sent).toEqual(["BEGIN", "INSERT", "SELECT", "ROLLBACK"]);
    expect(await ids()).toEqual(["a", "b"]);
  });

  test("afterCommit hooks run after the combined statement, never after a failure", async () => {
    const calls: string[] = [];
    await db.transaction(async (tx) => {
      await tx.write("INSERT INTO t VALUES ($1, $2)", "f", 6);
      tx.afterCommit(() => calls.push("ok"));
    });
    await db
      .transaction(async (tx) => {
        await tx.write("INSERT INTO t VALUES ($1, $2)", "g", -1);
        tx.afterCommit(() => calls.push("never"));
      })
      .catch(() => undefined);
    expect(calls).toEqual(["ok"]);
  });
});
