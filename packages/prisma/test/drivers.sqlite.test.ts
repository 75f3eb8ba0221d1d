/**
 * The better-sqlite3 driver the SQLite stack runs on: PRAGMAs, value types, serialised
 * transactions, and a second connection (another process, or the stack's Prisma client) that
 * holds the write lock.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openBetterSqlite } from "../src/sql/drivers/better-sqlite3.js";
import { createSqliteStack } from "../src/stacks/sqlite.js";
import { createSqliteFile } from "../src/testing/index.js";

const file = createSqliteFile("drivers");
const connection = openBetterSqlite(file.file);
const { driver } = connection;
const limits = { maxWaitMs: 1_000, timeoutMs: 5_000 };

beforeAll(async () => {
  await driver.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL, data BLOB)", []);
});

afterAll(() => {
  connection.close();
  file.cleanup();
});

describe("openBetterSqlite", () => {
  test("sets WAL and synchronous = NORMAL, and never blocks on a lock (busy timeout 0)", async () => {
    expect(await driver.query("PRAGMA journal_mode", [])).toEqual([{ journal_mode: "wal" }]);
    expect(await driver.query("PRAGMA synchronous", [])).toEqual([{ synchronous: 1 }]);
    expect(await driver.query("PRAGMA busy_timeout", [])).toEqual([{ timeout: 0 }]);
  });

  test("binds Dates as epoch milliseconds, booleans as 0/1 and bytes as BLOBs", async () => {
    const at = new Date("2026-12-01T10:00:00.123Z");
    expect(
      await driver.execute("INSERT INTO t VALUES (?, ?, ?)", ["a", at, new Uint8Array([1, 2])]),
    ).toBe(1);
    await driver.execute("INSERT INTO t VALUES (?, ?, NULL)", ["b", true]);
    const rows = await driver.query("SELECT id, n, data FROM t ORDER BY id", []);
    expect(rows.map((r) => [r.id, r.n])).toEqual([
      ["a", at.getTime()],
      ["b", 1],
    ]);
    expect([...((rows[0]?.data ?? []) as Uint8Array)]).toEqual([1, 2]);
  });

  test("transactions are serialised and roll back; nothing runs inside another's transaction", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const first = driver.transaction(async (tx) => {
      await tx.execute("INSERT INTO t VALUES ('c', 3, NULL)", []);
      order.push("first wrote");
      await held;
      throw new Error("roll back");
    }, limits);
    // Waits for the transaction instead of joining it.
    const outside = driver.query("SELECT count(*) AS n FROM t WHERE id = 'c'", []).then((rows) => {
      order.push("outside read");
      return rows;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(first).rejects.toThrow("roll back");
    expect(await outside).toEqual([{ n: 0 }]);
    expect(order).toEqual(["first wrote", "outside read"]);
  });

  test("waits (asynchronously) while another connection holds the write lock", async () => {
    const other = new Database(file.file);
    other.exec("BEGIN IMMEDIATE");
    other.exec("INSERT INTO t VALUES ('d', 4, NULL)");
    const waiting = driver.transaction(
      (tx) => tx.execute("UPDATE t SET n = n + 1 WHERE id = 'd'", []),
      limits,
    );
    let settled = false;
    void waiting.finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    other.exec("COMMIT");
    other.close();
    expect(await waiting).toBe(1);
    expect(await driver.query("SELECT n FROM t WHERE id = 'd'", [])).toEqual([{ n: 5 }]);
  });
});

describe("createSqliteStack", () => {
  test("refuses :memory: with INVALID_SQLITE_FILE (two connections would see two databases)", async () => {
    await expect(createSqliteStack({ file: ":memory:" })).rejects.toMatchObject({
      code: "INVALID_SQLITE_FILE",
      field: "file",
    });
  });
});
