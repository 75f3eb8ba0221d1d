/**
 * Connections the server terminates while idle (an administrator, a database drop `WITH
 * (FORCE)`, a failover): `pg` reports them as an `error` event on the pool, which crashes the
 * process when nobody listens. The stack listens, reports them to `onPoolError`, and carries
 * on with new connections.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStack, type PrismaStack } from "../src/index.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createPostgresDatabase("connection_loss");
});

afterAll(async () => {
  await database?.drop();
});

/** Terminates every other session on the test database; returns how many it ended. */
async function terminateOthers(): Promise<number> {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid) AS ended, pid FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe("PostgreSQL connections terminated by the server", () => {
  it("are reported (pool and LISTEN) and replaced; the stack keeps serving and waking", async () => {
    const poolErrors: Error[] = [];
    const listenErrors: unknown[] = [];
    const wakeups: string[] = [];
    let stack: PrismaStack | undefined;
    let unsubscribe = () => {};
    try {
      stack = await createPostgresStack({
        url: database.url,
        poolSize: 3,
        onPoolError: (error) => poolErrors.push(error),
        onListenError: (error) => listenErrors.push(error),
      });
      unsubscribe = stack.wakeups.subscribe((kind) => wakeups.push(kind));
      await until(() => wakeups.length > 0, "the LISTEN connection");
      // Three idle pooled connections.
      await Promise.all(
        Array.from({ length: 3 }, () => stack?.prisma.$executeRawUnsafe("SELECT pg_sleep(0.02)")),
      );
      wakeups.length = 0;
      expect(await terminateOthers()).toBe(4);
      await until(() => poolErrors.length === 3, "three pool errors");
      expect(poolErrors.map((e) => (e as { code?: string }).code)).toEqual([
        "57P01",
        "57P01",
        "57P01",
      ]);
      await until(() => listenErrors.length === 1, "the LISTEN connection's error");
      // The listener reconnects after its back-off and wakes its subscribers.
      await until(() => wakeups.length > 0, "a wake-up after reconnecting");

      expect(await stack.persistence.getRun("no-such-run")).toBeNull();
    } finally {
      unsubscribe();
      await stack?.close();
    }
  });
});
