/**
 * Ratchet's transactions on D1 (docs/adr/0008-d1-transactions.md), in workerd's D1 under
 * Miniflare: several executors over one database stand for several isolates (each with its
 * own in-isolate mutex), so only the database lock keeps them apart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { migrateD1 } from "../src/migrate/d1.js";
import { createD1Executor, type D1ExecutorSettings } from "../src/sql/d1-executor.js";
import { D1LockLostError } from "../src/sql/d1-lock.js";
import { type D1Database, D1Session } from "../src/sql/drivers/d1.js";
import { d1Of, startD1 } from "./support/d1.js";

vi.setConfig({ testTimeout: 120_000 });

const TABLE = "ratchet_zz_counters";
const SETTINGS: D1ExecutorSettings = { timeoutMs: 60_000, lockWaitMs: 60_000, leaseMs: 60_000 };

let dir: string;
let mf: Miniflare;
let database: D1Database;

/** An executor standing for one isolate. */
const isolate = (settings: Partial<D1ExecutorSettings> = {}, db = database) =>
  createD1Executor(new D1Session(db), { ...SETTINGS, ...settings });

async function counter(id: string, db = database): Promise<number | null> {
  const [row] = await new D1Session(db).query({
    sql: `SELECT n FROM ${TABLE} WHERE id = ?`,
    params: [id],
  });
  return row ? Number(row.n) : null;
}

async function rowsOf(db = database): Promise<string[]> {
  const rows = await new D1Session(db).query({
    sql: `SELECT id FROM ${TABLE} ORDER BY id`,
    params: [],
  });
  return rows.map((row) => String(row.id));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ratchet-d1-tx-"));
  mf = startD1(dir);
  database = await d1Of(mf);
  // A Ratchet-named table of the test's own: migrateD1 gives it undo triggers like the others.
  await new D1Session(database).query({
    sql: `CREATE TABLE ${TABLE} (id TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL, note BLOB)`,
    params: [],
  });
  await migrateD1(new D1Session(database));
});

afterAll(async () => {
  await mf?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("transactions on D1", () => {
  it("read-modify-write transactions of two isolates lose no update", async () => {
    const a = isolate();
    const b = isolate();
    await a.execute(`INSERT INTO ${TABLE} (id, n) VALUES ($1, 0)`, "shared");
    const increment = (db: typeof a) =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>(
          `SELECT n FROM ${TABLE} WHERE id = $1`,
          "shared",
        );
        await tx.execute(`UPDATE ${TABLE} SET n = $2 WHERE id = $1`, "shared", Number(row?.n) + 1);
      });
    await Promise.all(Array.from({ length: 16 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(await counter("shared")).toBe(16);
  });

  it("a transaction reads its own writes and real row counts; a throw undoes every write exactly", async () => {
    const db = isolate();
    await db.execute(
      `INSERT INTO ${TABLE} (id, n, note) VALUES ($1, 7, $2), ($3, 8, NULL)`,
      "keep",
      new Uint8Array([0, 1, 255]),
      "gone",
    );
    const before = await new D1Session(database).query({
      sql: `SELECT id, n, quote(note) AS note FROM ${TABLE} WHERE id IN ('keep', 'gone') ORDER BY id`,
      params: [],
    });
    await expect(
      db.transaction(async (tx) => {
        expect(
          await tx.execute(
            `UPDATE ${TABLE} SET n = n + 1, note = NULL WHERE id IN ('keep', 'gone')`,
          ),
        ).toBe(2);
        expect(await tx.execute(`DELETE FROM ${TABLE} WHERE id = 'gone'`)).toBe(1);
        await tx.write(`INSERT INTO ${TABLE} (id, n) VALUES ('new', 1)`);
        const seen = await tx.query(
          `SELECT id, n FROM ${TABLE} WHERE id IN ('keep', 'gone', 'new') ORDER BY id`,
        );
        expect(seen).toEqual([
          { id: "keep", n: 8 },
          { id: "new", n: 1 },
        ]);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    const after = await new D1Session(database).query({
      sql: `SELECT id, n, quote(note) AS note FROM ${TABLE} WHERE id IN ('keep', 'gone', 'new') ORDER BY id`,
      params: [],
    });
    expect(after).toEqual(before);
    expect(before).toEqual([
      { id: "gone", n: 8, note: "NULL" },
      { id: "keep", n: 7, note: "X'0001FF'" },
    ]);
  });

  it("statements outside a transaction wait for another isolate's open transaction (no dirty reads)", async () => {
    const a = isolate();
    const b = isolate();
    await a.execute(`INSERT INTO ${TABLE} (id, n) VALUES ('dirty', 1)`);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const tx = a.transaction(async (t) => {
      await t.execute(`UPDATE ${TABLE} SET n = 2 WHERE id = 'dirty'`);
      written();
      await gate;
      throw new Error("changed my mind");
    });
    await wrote;
    const read = b.query<{ n: number }>(`SELECT n FROM ${TABLE} WHERE id = 'dirty'`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await expect(tx).rejects.toThrow("changed my mind");
    expect((await read)[0]?.n).toBe(1);
  });

  it("an isolate that dies mid-transaction leaves nothing: the next one rolls it back once its lease expires", async () => {
    const dying = isolate({ leaseMs: 800 });
    const next = isolate();
    await next.execute(`INSERT INTO ${TABLE} (id, n) VALUES ('crash', 1)`);
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    let resume!: () => void;
    const frozen = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const abandoned = dying.transaction(async (tx) => {
      await tx.execute(`UPDATE ${TABLE} SET n = 99 WHERE id = 'crash'`);
      await tx.execute(`INSERT INTO ${TABLE} (id, n) VALUES ('crash-half', 1)`);
      written();
      await frozen; // the isolate is gone: nothing more happens until the test resumes it
      await tx.execute(`UPDATE ${TABLE} SET n = 100 WHERE id = 'crash'`);
    });
    await wrote;
    const started = Date.now();
    const seen = await next.transaction(async (tx) => {
      const rows = await tx.query(`SELECT id, n FROM ${TABLE} WHERE id LIKE 'crash%' ORDER BY id`);
      await tx.execute(`UPDATE ${TABLE} SET n = n + 1 WHERE id = 'crash'`);
      return rows;
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(seen).toEqual([{ id: "crash", n: 1 }]);
    resume();
    // The dead transaction's next statement finds its lock gone; nothing of it commits.
    await expect(abandoned).rejects.toBeInstanceOf(D1LockLostError);
    expect(await counter("crash")).toBe(2);
    expect(await counter("crash-half")).toBe(null);
  });

  it("a transaction open when the runtime stops is rolled back after a restart on the same files", async () => {
    const dying = isolate({ leaseMs: 800 });
    await dying.execute(`INSERT INTO ${TABLE} (id, n) VALUES ('restart', 1)`);
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const abandoned = dying.transaction(async (tx) => {
      await tx.execute(`UPDATE ${TABLE} SET n = 50 WHERE id = 'restart'`);
      await tx.execute(`INSERT INTO ${TABLE} (id, n) VALUES ('restart-half', 1)`);
      written();
      await new Promise(() => {}); // never ends: the runtime is stopped under it
    });
    abandoned.catch(() => undefined);
    await wrote;
    await mf.dispose();
    mf = startD1(dir);
    database = await d1Of(mf);
    const next = isolate();
    expect(
      await next.query(`SELECT id, n FROM ${TABLE} WHERE id LIKE 'restart%' ORDER BY id`),
    ).toEqual([{ id: "restart", n: 1 }]);
    expect(await rowsOf()).not.toContain("restart-half");
  });
});
