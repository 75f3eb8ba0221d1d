/**
 * Bounded stalls on PostgreSQL: the session limits the stack's connections start with, the
 * client deadline that closes a connection that does not answer (through the fault proxy, as
 * in a network partition), and the one report per stall.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresPool } from "../src/clients/postgres.js";
import { createPostgresStack } from "../src/index.js";
import { pgDriver } from "../src/sql/drivers/pg.js";
import { type DatabaseStall, DatabaseStalledError } from "../src/sql/stall.js";
import {
  createPostgresDatabase,
  type FaultProxy,
  startFaultProxy,
  type TestDatabase,
} from "../src/testing/index.js";

let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await createPostgresDatabase("stalls");
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query("CREATE TABLE t (id text PRIMARY KEY, n int NOT NULL)");
  await admin.query("INSERT INTO t VALUES ('a', 0), ('b', 0)");
});

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

const limits = { maxWaitMs: 2_000, timeoutMs: 5_000 };

/** A pool and driver over `url` whose stalls are collected. */
function watched(url: string, options: Parameters<typeof createPostgresPool>[0] | object = {}) {
  const stalls: DatabaseStall[] = [];
  const pool = createPostgresPool({ url, max: 2, ...options });
  const sockets: Array<{ destroyed: boolean }> = [];
  pool.on("connect", (client) => {
    sockets.push(
      (client as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream,
    );
  });
  return { pool, stalls, sockets, onStall: (stall: DatabaseStall) => stalls.push(stall) };
}

async function backendsOf(application: string): Promise<Array<{ pid: number; state: string }>> {
  const { rows } = await admin.query<{ pid: number; state: string }>(
    "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
    [application],
  );
  return rows;
}

describe("session limits", () => {
  it("every pooled session starts with the stack's limits; idle-in-transaction follows transactionTimeoutMs", async () => {
    const stack = await createPostgresStack({
      url: database.url,
      clock: "system",
      transactionTimeoutMs: 12_000,
    });
    try {
      const show = async (name: string) =>
        (await stack.prisma.$queryRawUnsafe<Record<string, string>[]>(`SHOW ${name}`))[0]?.[name];
      expect(await show("statement_timeout")).toBe("30s");
      expect(await show("lock_timeout")).toBe("10s");
      expect(await show("idle_in_transaction_session_timeout")).toBe("12s");
    } finally {
      await stack.close();
    }
    const tuned = await createPostgresStack({
      url: database.url,
      clock: "system",
      statementTimeoutMs: 1_500,
      lockTimeoutMs: 0,
      idleInTransactionTimeoutMs: 2_000,
    });
    try {
      const [row] = await tuned.prisma.$queryRawUnsafe<Record<string, string>[]>(
        "SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l, current_setting('idle_in_transaction_session_timeout') AS i",
      );
      // lockTimeoutMs 0 leaves the server's own (0: none).
      expect(row).toEqual({ s: "1500ms", l: "0", i: "2s" });
    } finally {
      await tuned.close();
    }
  });

  it("refuses a negative limit", async () => {
    await expect(
      createPostgresStack({ url: database.url, migrate: false, lockTimeoutMs: -1 }),
    ).rejects.toThrow(/lockTimeoutMs/);
  });

  it("lock_timeout and statement_timeout end a statement on the server; each is reported once", async () => {
    const { pool, stalls, onStall } = watched(database.url, {
      lockTimeoutMs: 300,
      statementTimeoutMs: 400,
    });
    const driver = pgDriver(pool, { stallTimeoutMs: 5_000, onStall });
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT * FROM t WHERE id = 'a' FOR UPDATE");
      const lockError = await driver
        .transaction(async (tx) => tx.execute("UPDATE t SET n = 1 WHERE id = $1", ["a"]), limits)
        .catch((error: unknown) => error);
      expect((lockError as { code?: string }).code).toBe("55P03");
      await holder.query("ROLLBACK");
      const timeoutError = await driver.query("SELECT pg_sleep(2)", []).catch((e: unknown) => e);
      expect((timeoutError as { code?: string }).code).toBe("57014");
      expect(
        stalls.map((s) => [s.limit, s.operation, s.inTransaction, s.connectionClosed]),
      ).toEqual([
        ["lock_timeout", "UPDATE t SET n = 1 WHERE id = $1", true, false],
        ["statement_timeout", "SELECT pg_sleep(2)", false, false],
      ]);
      expect(stalls[0]?.waitedMs).toBeGreaterThanOrEqual(250);
      expect(typeof stalls[0]?.backendPid).toBe("number");
      // Ordinary failures keep their connection.
      expect(pool.totalCount).toBeGreaterThan(0);
    } finally {
      await holder.end();
      await pool.end();
    }
  });
});

describe("a connection that stops answering (a partition)", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(database.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("a statement past its deadline closes its connection and fails with DATABASE_STALLED, once reported", async () => {
    proxy.set("forward");
    const { pool, stalls, sockets, onStall } = watched(proxy.url);
    const driver = pgDriver(pool, { stallTimeoutMs: 300, onStall });
    try {
      expect(await driver.query("SELECT 1 AS one", [])).toEqual([{ one: 1 }]);
      proxy.set("blackhole");
      const started = Date.now();
      const error = await driver.query("SELECT 2 AS two", []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseStalledError);
      expect((error as DatabaseStalledError).code).toBe("DATABASE_STALLED");
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(stalls).toHaveLength(1);
      expect(stalls[0]).toMatchObject({
        limit: "statement deadline",
        operation: "SELECT 2 AS two",
        inTransaction: false,
        connectionClosed: true,
      });
      expect(typeof stalls[0]?.backendPid).toBe("number");
      // The socket is destroyed and the pool forgot the connection.
      expect(sockets[0]?.destroyed).toBe(true);
      expect(pool.totalCount).toBe(0);

      proxy.set("forward");
      expect(await driver.query("SELECT 3 AS three", [])).toEqual([{ three: 3 }]);
      expect(stalls).toHaveLength(1);
    } finally {
      proxy.set("forward");
      await pool.end();
    }
  });

  it("a transaction partitioned after it locked a row: the client closes at its deadline, the server ends the session at idle_in_transaction_session_timeout, and the lock is free", async () => {
    proxy.set("forward");
    const { pool, stalls, sockets, onStall } = watched(`${proxy.url}?application_name=stalled`, {
      idleInTransactionTimeoutMs: 1_000,
      lockTimeoutMs: 0,
    });
    // A statement deadline longer than the transaction's: the transaction's closes the connection.
    const driver = pgDriver(pool, { stallTimeoutMs: 60_000, onStall });
    try {
      const started = Date.now();
      const error = await driver
        .transaction(
          async (tx) => {
            await tx.query("SELECT n FROM t WHERE id = $1 FOR UPDATE", ["b"]);
            proxy.set("blackhole");
            await tx.execute("UPDATE t SET n = n + 1 WHERE id = $1", ["b"]);
          },
          { maxWaitMs: 2_000, timeoutMs: 500 },
        )
        .catch((e: unknown) => e);
      const failedAfter = Date.now() - started;
      expect(error).toBeInstanceOf(DatabaseStalledError);
      expect((error as DatabaseStalledError).stall).toMatchObject({
        limit: "transaction deadline",
        operation: "UPDATE t SET n = n + 1 WHERE id = $1",
        inTransaction: true,
        connectionClosed: true,
      });
      // At the deadline, not after a ROLLBACK queued behind the hung statement.
      expect(failedAfter).toBeLessThan(2_000);
      expect(stalls).toHaveLength(1);
      expect(sockets[0]?.destroyed).toBe(true);
      expect(pool.totalCount).toBe(0);

      // The server never heard of it (the partition holds the close): the session holds the
      // row until idle_in_transaction_session_timeout ends it; then a writer gets the row.
      const waitStarted = Date.now();
      await admin.query("UPDATE t SET n = 10 WHERE id = 'b'");
      expect(Date.now() - waitStarted).toBeLessThan(5_000);
      expect(await backendsOf("stalled")).toEqual([]);
    } finally {
      proxy.set("forward");
      await pool.end();
    }
    const { rows } = await admin.query("SELECT n FROM t WHERE id = 'b'");
    expect(rows).toEqual([{ n: 10 }]);
  });

  it("without the server's limit, the partitioned session would hold the row (the control)", async () => {
    proxy.set("forward");
    const { pool, onStall } = watched(`${proxy.url}?application_name=control`, {
      idleInTransactionTimeoutMs: 0,
    });
    const driver = pgDriver(pool, { stallTimeoutMs: 60_000, onStall });
    try {
      await driver
        .transaction(
          async (tx) => {
            await tx.query("SELECT n FROM t WHERE id = $1 FOR UPDATE", ["b"]);
            proxy.set("blackhole");
            await tx.execute("UPDATE t SET n = n + 1 WHERE id = $1", ["b"]);
          },
          { maxWaitMs: 2_000, timeoutMs: 300 },
        )
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await backendsOf("control")).map((b) => b.state)).toEqual(["idle in transaction"]);
      // Healing delivers the client's close: the server ends the session.
      proxy.set("forward");
      for (let i = 0; i < 100 && (await backendsOf("control")).length > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await backendsOf("control")).toEqual([]);
    } finally {
      proxy.set("forward");
      await pool.end();
    }
  });
});
