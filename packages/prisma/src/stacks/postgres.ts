/**
 * `createPostgresStack`: Ratchet on PostgreSQL, the scale-out path — many workers on many
 * machines share one database; claims and dequeues use `FOR UPDATE SKIP LOCKED`.
 */

import { systemClock } from "@ratchet/kernel/adapter";
import {
  createPostgresPool,
  type PostgresPrismaClient,
  prismaOverPool,
} from "../clients/postgres.js";
import { DatabaseClock, serverTimeOf } from "../clock/database-clock.js";
import { migrate } from "../migrate/index.js";
import { postgresDialect } from "../sql/dialect.js";
import { pgDriver } from "../sql/drivers/pg.js";
import { createExecutor } from "../sql/executor.js";
import { PostgresListener } from "../sql/pg-listener.js";
import { runEndsOf } from "../sql/run-ends.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { awaitRunResultOver, pollingRunEnds } from "./await-run.js";
import { type PostgresStallOptions, stallSettings } from "./postgres-stalls.js";
import { watchRun } from "./run-waiters.js";
import { type PrismaStack, portsOver } from "./stack.js";

/**
 * Options of {@link createPostgresStack}, with those that bound stalls
 * ({@link PostgresStallOptions}: session timeouts, keepalive, the statement deadline, `onStall`).
 */
export interface PostgresStackOptions extends PostgresStallOptions {
  /** Connection string, e.g. `postgresql://user@host:5432/db`. */
  url: string;
  /** Connections of the pool Ratchet's statements use (default 10); `stack.prisma` has up to 2 more. */
  poolSize?: number;
  /** Apply pending migrations first (default true; concurrent starters serialise on an advisory lock). */
  migrate?: boolean;
  /** Longest wait for a pooled connection inside a transaction, ms (default 10 000). */
  poolWaitMs?: number;
  /** Longest a transaction may stay open, ms (default 30 000). */
  transactionTimeoutMs?: number;
  /** Time to establish a connection before failing, ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Called when an idle pooled connection fails (the pool replaces it); default: ignored. */
  onPoolError?: (error: Error) => void;
  /** Called when the LISTEN connection for wake-ups fails (it reconnects by itself). */
  onListenError?: (error: unknown) => void;
  /** Called for every statement sent (and BEGIN/COMMIT/ROLLBACK), e.g. for tracing. */
  onStatement?: (sql: string, inTransaction: boolean) => void;
  /**
   * Where the stack's `clock` reads time: `"database"` (default) is the server's own clock, a
   * {@link DatabaseClock} shared by every worker, so a worker whose clock is wrong still judges
   * leases right; `"system"` is this machine's clock (`systemClock`).
   */
  clock?: "database" | "system";
  /** Time between the database clock's samples of the server's time, ms (default 60 000). */
  clockResyncMs?: number;
  /**
   * While anyone awaits a run (`awaitRunResult`), how often each waiter reads its run anyway,
   * in case a notice was lost (the LISTEN connection dropped), ms (default 1 000).
   */
  runEndPollMs?: number;
}

/** Connections of the stack's Prisma client (migrations, your own queries). */
const PRISMA_POOL_SIZE = 2;

/**
 * Connects (and by default migrates) a PostgreSQL database and returns the storage ports over it.
 *
 * @example
 * ```ts
 * const stack = await createPostgresStack({ url: process.env.DATABASE_URL! });
 * // stack.clock is the database server's clock: every worker judges leases by it.
 * const kernel = createKernel({ ...stack, eventSink, registry });
 * ```
 */
export async function createPostgresStack(
  options: PostgresStackOptions,
): Promise<PrismaStack<PostgresPrismaClient>> {
  const stalls = stallSettings(options);
  const common = {
    ...stalls.limits,
    url: options.url,
    // An idle pooled connection that fails (database restart, admin termination) is dropped by
    // the pool; without a handler its "error" event would crash the process.
    onPoolError: options.onPoolError ?? (() => {}),
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.connectTimeoutMs }),
  };
  // Ratchet's statements go to the driver directly (named prepared statements, no per-query
  // Prisma pipeline), on a pool whose sessions plan them as the index lookups they are written
  // for. The stack's Prisma client (migrations, your own queries) has a small pool of its own
  // with the planner's defaults; its connections close when idle.
  const pool = createPostgresPool({
    ...common,
    ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    indexLookups: true,
  });
  const prismaPool = createPostgresPool({ ...common, max: PRISMA_POOL_SIZE });
  const prisma = prismaOverPool(prismaPool);
  try {
    const { applied } =
      options.migrate === false
        ? { applied: [] }
        : await migrate(prisma, { provider: "postgresql" });
    const driver = pgDriver(pool, stalls.watch);
    const db = createExecutor(driver, postgresDialect, {
      maxWaitMs: options.poolWaitMs ?? 10_000,
      timeoutMs: options.transactionTimeoutMs ?? 30_000,
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    });
    const local = wakeupsOf(driver.identity);
    const ends = runEndsOf(driver.identity);
    const listener = new PostgresListener(
      options.url,
      local,
      options.onListenError,
      stalls.listener,
      ends,
    );
    const ports = portsOver(db);
    const runEnds = {
      ...pollingRunEnds(
        ends,
        () => listener.listenRunEnds(),
        options.runEndPollMs ?? 1_000,
        () => listener.releaseRunEnds(),
      ),
      // The trigger names only listed runs (see run-waiters.ts).
      watch: (runId: string) => watchRun(db, runId),
    };
    const clock =
      options.clock === "system"
        ? systemClock
        : await new DatabaseClock(() => serverTimeOf(pool), {
            ...(options.clockResyncMs === undefined ? {} : { resyncMs: options.clockResyncMs }),
          }).start();
    return {
      clock,
      provider: "postgresql",
      prisma,
      ...ports,
      migrationsApplied: applied,
      wakeups: {
        subscribe(listener_) {
          listener.start();
          return local.subscribe(listener_);
        },
      },
      runEnds,
      awaitRunResult: (runId, awaitOptions) =>
        awaitRunResultOver(ports.persistence, runEnds, runId, awaitOptions),
      close: async () => {
        runEnds.close();
        if (clock instanceof DatabaseClock) clock.stop();
        await listener.close();
        await prisma.$disconnect();
        await Promise.all([pool.end(), prismaPool.end()]);
      },
    };
  } catch (error) {
    await prisma.$disconnect();
    await Promise.all([pool.end(), prismaPool.end()]);
    throw error;
  }
}
