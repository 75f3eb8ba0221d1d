/**
 * `createPostgresStack`: Ratchet on PostgreSQL, the scale-out path — many workers on many
 * machines share one database; claims and dequeues use `FOR UPDATE SKIP LOCKED`.
 */
import { createPostgresClient, type PostgresPrismaClient } from "../clients/postgres.js";
import { migrate } from "../migrate/index.js";
import { postgresDialect } from "../sql/dialect.js";
import { createExecutor } from "../sql/executor.js";
import { PostgresListener } from "../sql/pg-listener.js";
import { wakeupsOf } from "../sql/wakeups.js";
import { type PrismaStack, portsOver } from "./stack.js";

/** Options of {@link createPostgresStack}. */
export interface PostgresStackOptions {
  /** Connection string, e.g. `postgresql://user@host:5432/db`. */
  url: string;
  /** Pool size (default 10). */
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
}

/**
 * Connects (and by default migrates) a PostgreSQL database and returns the storage ports over it.
 *
 * @example
 * ```ts
 * const stack = await createPostgresStack({ url: process.env.DATABASE_URL! });
 * const kernel = createKernel({ ...stack, eventSink, clock: systemClock, registry });
 * ```
 */
export async function createPostgresStack(
  options: PostgresStackOptions,
): Promise<PrismaStack<PostgresPrismaClient>> {
  const prisma = createPostgresClient({
    url: options.url,
    ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    // An idle pooled connection that fails (database restart, admin termination) is dropped by
    // the pool; without a handler its "error" event would crash the process.
    onPoolError: options.onPoolError ?? (() => {}),
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  try {
    const { applied } =
      options.migrate === false
        ? { applied: [] }
        : await migrate(prisma, { provider: "postgresql" });
    const db = createExecutor(prisma, postgresDialect, {
      maxWaitMs: options.poolWaitMs ?? 10_000,
      timeoutMs: options.transactionTimeoutMs ?? 30_000,
      ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    });
    const local = wakeupsOf(prisma);
    const listener = new PostgresListener(options.url, local, options.onListenError);
    return {
      provider: "postgresql",
      prisma,
      ...portsOver(db),
      migrationsApplied: applied,
      wakeups: {
        subscribe(listener_) {
          listener.start();
          return local.subscribe(listener_);
        },
      },
      close: async () => {
        await listener.close();
        await prisma.$disconnect();
      },
    };
  } catch (error) {
    await prisma.$disconnect();
    throw error;
  }
}
