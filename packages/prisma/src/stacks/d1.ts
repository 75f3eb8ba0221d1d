/**
 * `createD1Stack`: Ratchet on Cloudflare D1, for Workers. Every storage port over one D1
 * binding; transactions through the database lock and undo journal of `../sql/d1-executor.ts`
 * (docs/adr/0008-d1-transactions.md). Imports no Node built-in, no Prisma client, no native
 * driver: it runs in workerd.
 */
import { systemClock } from "@ratchet/kernel/adapter";
import { migrateD1 } from "../migrate/d1.js";
import { createD1Executor, DEFAULT_D1_SETTINGS } from "../sql/d1-executor.js";
import { type D1Database, D1Session } from "../sql/drivers/d1.js";
import { runEndsOf } from "../sql/run-ends.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { awaitRunResultOver, pollingRunEnds } from "./await-run.js";
import { type PrismaStack, portsOver } from "./stack.js";

/** Options of {@link createD1Stack}. */
export interface D1StackOptions {
  /** The D1 binding, e.g. `env.DB`. */
  database: D1Database;
  /** Apply pending migrations (and create the undo journal) first (default true). */
  migrate?: boolean;
  /** Longest a transaction may stay open before it is rolled back, ms (default 30 000). */
  transactionTimeoutMs?: number;
  /** Longest a statement waits for another isolate's transaction, ms (default 30 000). */
  lockWaitMs?: number;
  /**
   * How long a transaction whose isolate died keeps the database before another isolate
   * rolls it back, ms (default: the transaction timeout + 10 000).
   */
  leaseMs?: number;
  /** Called for every statement sent (and BEGIN/COMMIT/ROLLBACK), e.g. for tracing. */
  onStatement?: (sql: string, inTransaction: boolean) => void;
  /** While anyone awaits a run, how often each waiter reads its run, ms (default 1 000). */
  runEndPollMs?: number;
}

/**
 * Storage ports over one D1 database, ready for `createKernel`: a {@link PrismaStack} without
 * a Prisma client. Its `clock` is the system clock (every Workers isolate reads a synchronised
 * one), its `wakeups` reach this isolate only (D1 has no cross-isolate notification; `runEnds`
 * polls for other isolates' run ends), and `close` only stops that poll (the binding belongs
 * to the runtime).
 */
export interface D1Stack extends Omit<PrismaStack, "prisma" | "provider"> {
  provider: "sqlite";
}

/**
 * Migrates (by default) the D1 database and returns the storage ports over it.
 *
 * @example
 * ```ts
 * const stack = await createD1Stack({ database: env.DB });
 * const kernel = createKernel({ ...stack, eventSink, registry });
 * ```
 */
export async function createD1Stack(options: D1StackOptions): Promise<D1Stack> {
  const session = new D1Session(options.database);
  const { applied } = options.migrate === false ? { applied: [] } : await migrateD1(session);
  const timeoutMs = options.transactionTimeoutMs ?? DEFAULT_D1_SETTINGS.timeoutMs;
  const db = createD1Executor(session, {
    timeoutMs,
    lockWaitMs: options.lockWaitMs ?? DEFAULT_D1_SETTINGS.lockWaitMs,
    leaseMs: options.leaseMs ?? timeoutMs + 10_000,
    ...(options.onStatement ? { onStatement: options.onStatement } : {}),
  });
  const local = wakeupsOf(db.database);
  const ports = portsOver(db);
  // Run ends of this isolate are told at once; those of other isolates are polled for.
  const runEnds = pollingRunEnds(runEndsOf(db.database), () => {}, options.runEndPollMs ?? 1_000);
  return {
    provider: "sqlite",
    clock: systemClock,
    ...ports,
    migrationsApplied: applied,
    wakeups: { subscribe: (listener) => local.subscribe(listener) },
    runEnds,
    awaitRunResult: (runId, awaitOptions) =>
      awaitRunResultOver(ports.persistence, runEnds, runId, awaitOptions),
    close: async () => runEnds.close(),
  };
}
