/**
 * createSqliteClient: the connection PRAGMAs take effect, DateTime is stored as integer
 * milliseconds, and what raw queries return for each column type (adapters rely on this).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSqliteClient, type SqlitePrismaClient } from "../src/clients/sqlite.js";
import { migrate } from "../src/migrate/index.js";
import { createSqliteFile } from "../src/testing/index.js";

const file = createSqliteFile("clients");
let client: SqlitePrismaClient;
const at = new Date("2026-11-22T10:00:00.123Z");

beforeAll(async () => {
  client = createSqliteClient({ file: file.file });
  await migrate(client);
});

afterAll(async () => {
  await client.$disconnect();
  file.cleanup();
});

describe("createSqliteClient", () => {
  test("sets WAL, synchronous = NORMAL and a 5000 ms busy timeout on its connection", async () => {
    expect(await client.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    expect(await client.$queryRawUnsafe("PRAGMA synchronous")).toEqual([{ synchronous: 1n }]);
    expect(await client.$queryRawUnsafe("PRAGMA busy_timeout")).toEqual([{ timeout: 5000n }]);
  });

  test("accepts a file: URL and a custom busy timeout", async () => {
    const other = createSqliteClient({ url: `file:${file.file}`, busyTimeoutMs: 1234 });
    try {
      expect(await other.$queryRawUnsafe("PRAGMA busy_timeout")).toEqual([{ timeout: 1234n }]);
      const tables = await other.$queryRawUnsafe<unknown[]>(
        `SELECT name FROM sqlite_master WHERE name = 'ratchet_runs'`,
      );
      expect(tables).toHaveLength(1);
    } finally {
      await other.$disconnect();
    }
  });

  test("stores DateTime as integer milliseconds and reads DATETIME columns back as Date", async () => {
    await client.$executeRawUnsafe(
      `INSERT INTO ratchet_runs (id, workflow_id, status, input, config, metadata, created_at, updated_at, started_at)
       VALUES (?, 'wf', 'PENDING', '{}', '{}', '{}', ?, ?, NULL)`,
      "run-raw",
      at,
      at,
    );
    const stored = await client.$queryRawUnsafe(
      `SELECT typeof(created_at) AS kind, created_at + 0 AS millis FROM ratchet_runs WHERE id = 'run-raw'`,
    );
    expect(stored).toEqual([{ kind: "integer", millis: BigInt(at.getTime()) }]);

    const [row] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT id, version, priority, created_at, started_at FROM ratchet_runs WHERE id = 'run-raw'`,
    );
    expect(row).toEqual({
      id: "run-raw",
      version: 1,
      priority: 0,
      created_at: at,
      started_at: null,
    });
    // A Date parameter compares equal to the stored value.
    const hits = await client.$queryRawUnsafe<unknown[]>(
      `SELECT id FROM ratchet_runs WHERE created_at = ? AND created_at <= ?`,
      at,
      new Date(at.getTime() + 1),
    );
    expect(hits).toHaveLength(1);
  });

  test("expressions without a declared type come back as bigint (integers) or number (reals)", async () => {
    const [row] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT count(*) AS n, max(created_at) AS latest, 1 AS one, 1.5 AS half, 'x' AS text FROM ratchet_runs`,
    );
    expect(row).toEqual({ n: 1n, latest: BigInt(at.getTime()), one: 1n, half: 1.5, text: "x" });
  });

  test("BIGINT columns read as bigint, BLOB as Uint8Array", async () => {
    await client.$executeRawUnsafe(
      `INSERT INTO ratchet_blobs (key, data, size, updated_at) VALUES (?, ?, ?, ?)`,
      "blob-1",
      Buffer.from("hello"),
      5,
      at,
    );
    const [blob] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT data, size, updated_at FROM ratchet_blobs WHERE key = 'blob-1'`,
    );
    expect(blob?.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob?.data as Uint8Array).toString()).toBe("hello");
    expect(blob).toMatchObject({ size: 5, updated_at: at });
    const [cast] = await client.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT CAST(9007199254740993 AS BIGINT) AS big`,
    );
    expect(cast).toEqual({ big: 9007199254740993n });
  });

  test("interactive transactions commit and roll back", async () => {
    await client.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO ratchet_logs (id, run_id, level, message, created_at) VALUES ('l1', 'r', 'info', 'm', ?)`,
        at,
      );
    });
    await expect(
      client.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          `INSERT INTO ratchet_logs (id, run_id, level, message, created_at) VALUES ('l2', 'r', 'info', 'm', ?)`,
          at,
        );
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await client.$queryRawUnsafe(`SELECT id FROM ratchet_logs ORDER BY id`)).toEqual([
      { id: "l1" },
    ]);
  });

  test("one connection per client: transactions queue (maxWait), and a query outside an open transaction runs inside it", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = client.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO ratchet_logs (id, run_id, level, message, created_at) VALUES ('l3', 'r', 'info', 'm', ?)`,
        at,
      );
      // Not part of `tx`, but the same connection: it joins the open transaction.
      await client.$executeRawUnsafe(
        `INSERT INTO ratchet_logs (id, run_id, level, message, created_at) VALUES ('l4', 'r', 'info', 'm', ?)`,
        at,
      );
      await held;
      throw new Error("roll back both");
    });
    await expect(client.$transaction(async () => "never", { maxWait: 100 })).rejects.toThrow(
      "Unable to start a transaction in the given time",
    );
    release();
    await expect(first).rejects.toThrow("roll back both");
    expect(
      await client.$queryRawUnsafe(`SELECT id FROM ratchet_logs WHERE id IN ('l3', 'l4')`),
    ).toEqual([]);
  });
});
