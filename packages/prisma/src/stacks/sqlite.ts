/**
 * `createSqliteStack`: Ratchet on one SQLite file, the embedded default. Nothing to install or
 * run; several processes may share the file (WAL, `BEGIN IMMEDIATE` writers).
 */
import { resolve } from "node:path";
import { RatchetError, systemClock } from "@ratchet/kernel/adapter";
import { createSqliteClient, type SqlitePrismaClient } from "../clients/sqlite.js";
import { migrate } from "../migrate/index.js";
import { sqliteDialect } from "../sql/dialect.js";
import { openBetterSqlite } from "../sql/drivers/better-sqlite3.js";
import { createExecutor } from "../sql/executor.js";
import { runEndsOf, runEndsOfFile } from "../sql/run-ends.js";
import { SqliteFileWatcher } from "../sql/sqlite-watch.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { awaitRunResultOver, pollingRunEnds } from "./await-run.js";
import { type PrismaStack, portsOver } from "./stack.js";

/** Options of {@link createSqliteStack}. */
export interface SqliteStackOptions {
  /** Path of the database file (created if missing), e.g. `./ratchet.db`; not `":memory:"`. */
  file: string;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** Longest a transaction may stay open, ms (default 30 000). */
  transactionTimeoutMs?: number;
  /** Called for every statement sent (and BEGIN/COMMIT/ROLLBACK), e.g. for tracing. */
  onStatement?: (sql: string, inTransaction: boolean) => void;
  /**
   * While anyone awaits a run (`awaitRunResult`), how often each waiter reads its run anyway,
   * in case the file watch missed another process's commit, ms (default 500).
   */
  runEndPollMs?: number;
}

/**
 * Opens (and by default migrates) an SQLite database and returns the storage ports over it.
 *
 * @example
 * ```ts
 * const stack = await createSqliteStack({ file: "./ratchet.db" });
 * const kernel = createKernel({ ...stack, eventSink, registry }); // stack.clock: systemClock
 * ```
 */
export async function createSqliteStack(
  options: SqliteStackOptions,
): Promise<PrismaStack<SqlitePrismaClient>> {
  if (typeof options.file !== "string" || options.file === "" || options.file === ":memory:") {
    throw new RatchetError(
      "INVALID_SQLITE_FILE",
      `[ratchet] [prisma] createSqliteStack needs the path of a database file, got ${JSON.stringify(options.file)}; for storage in memory use createInMemoryStack from @ratchet/kernel/in-memory`,
      { field: "file" },
    );
  }
  // A busy timeout of 0: a locked database is retried asynchronously instead of blocking the process.
  const prisma = createSqliteClient({ file: options.file, busyTimeoutMs: 0 });
  try {
    const { applied } =
      options.migrate === false ? { applied: [] } : await migrate(prisma, { provider: "sqlite" });
    // Ratchet's own connection, with statements prepared once (no per-query Prisma pipeline);
    // the stack's Prisma client, used for migrations, is a second connection to the file.
    const connection = openBetterSqlite(options.file);
    const db = createExecutor(connection.driver, sqliteDialect, {
      maxWaitMs: 10_000,
      timeoutMs: options.transactionTimeoutMs ?? 30_000,
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    });
    const local = wakeupsOf(connection.driver.identity);
    // Every stack on this file in this process shares its run-end notices.
    const ends = runEndsOf(connection.driver.identity, runEndsOfFile(resolve(options.file)));
    const watcher = new SqliteFileWatcher(options.file, local, () => ends.emit(undefined));
    const ports = portsOver(db);
    const runEnds = pollingRunEnds(ends, () => watcher.start(), options.runEndPollMs ?? 500);
    return {
      // One machine, one clock: every process on the file reads the same system clock.
      clock: systemClock,
      provider: "sqlite",
      prisma,
      ...ports,
      migrationsApplied: applied,
      // In this process after commit; from other processes through a watch on the file.
      wakeups: {
        subscribe(listener) {
          watcher.start();
          return local.subscribe(listener);
        },
      },
      runEnds,
      awaitRunResult: (runId, awaitOptions) =>
        awaitRunResultOver(ports.persistence, runEnds, runId, awaitOptions),
      close: async () => {
        runEnds.close();
        watcher.close();
        connection.close();
        await prisma.$disconnect();
      },
    };
  } catch (error) {
    await prisma.$disconnect();
    throw error;
  }
}
