/**
 * SQL executors: how the adapters run statements and transactions on a Prisma client.
 *
 * - PostgreSQL: statements go to the client's pool; a transaction is a Prisma interactive
 *   transaction (one pooled connection for its whole life).
 * - SQLite: one connection per client, so every statement and transaction on a client is
 *   serialised by a mutex shared by all adapters of that client (nothing outside a
 *   transaction can run inside it by accident and see or join its uncommitted writes), and
 *   transactions start with `BEGIN IMMEDIATE`, taking the write lock up front so several
 *   processes on one file never fail on a lock upgrade; a database another process holds is
 *   retried asynchronously (see `sqlite-busy.ts`).
 */
import type { Dialect } from "./dialect.js";
import { Mutex } from "./mutex.js";
import type { RawClient, RawRootClient } from "./raw-client.js";
import { retryWhileBusy } from "./sqlite-busy.js";

/** Runs SQL written with `$n` placeholders. */
export interface SqlExecutor {
  readonly dialect: Dialect;
  /** The root client: executors of one database share it. */
  readonly database: RawRootClient;
  readonly inTransaction: boolean;
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  execute(sql: string, ...params: unknown[]): Promise<number>;
  /** Runs `fn` in a transaction; inside one already, joins it. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` once what was written so far is committed: at once outside a transaction, after
   * COMMIT inside one (never after a rollback).
   */
  afterCommit(fn: () => void): void;
}

/** Tuning of transactions, and an optional statement observer. */
export interface TransactionSettings {
  /** Longest wait for a pooled connection (PostgreSQL), ms. */
  maxWaitMs: number;
  /** Longest a transaction may stay open, ms. */
  timeoutMs: number;
  /**
   * Called for every statement sent, and with `"BEGIN"`/`"COMMIT"`/`"ROLLBACK"` around
   * transactions — for tracing and for counting what a workload costs.
   */
  onStatement?: (sql: string, inTransaction: boolean) => void;
}

/** Defaults of {@link TransactionSettings}. */
export const DEFAULT_TRANSACTION_SETTINGS: TransactionSettings = {
  maxWaitMs: 10_000,
  timeoutMs: 30_000,
};

const sqliteLocks = new WeakMap<object, Mutex>();

function statementRunner(
  client: RawClient,
  dialect: Dialect,
  inTransaction: boolean,
  onStatement: TransactionSettings["onStatement"],
) {
  return {
    query: <T>(text: string, ...values: unknown[]) => {
      const { sql, params } = dialect.prepare(text, values);
      onStatement?.(sql, inTransaction);
      return client.$queryRawUnsafe<T[]>(sql, ...params);
    },
    execute: (text: string, ...values: unknown[]) => {
      const { sql, params } = dialect.prepare(text, values);
      onStatement?.(sql, inTransaction);
      return client.$executeRawUnsafe(sql, ...params);
    },
  };
}

function transactionExecutor(
  database: RawRootClient,
  client: RawClient,
  dialect: Dialect,
  onStatement: TransactionSettings["onStatement"],
): SqlExecutor & { committed(): void } {
  const run = statementRunner(client, dialect, true, onStatement);
  const pending: Array<() => void> = [];
  const self: SqlExecutor & { committed(): void } = {
    dialect,
    database,
    inTransaction: true,
    query: run.query,
    execute: run.execute,
    transaction: (fn) => fn(self),
    afterCommit: (fn) => {
      pending.push(fn);
    },
    committed: () => {
      for (const fn of pending.splice(0)) fn();
    },
  };
  return self;
}

/** The executor of a root client. */
export function createExecutor(
  database: RawRootClient,
  dialect: Dialect,
  settings: TransactionSettings = DEFAULT_TRANSACTION_SETTINGS,
): SqlExecutor {
  const { onStatement } = settings;
  const run = statementRunner(database, dialect, false, onStatement);
  const afterCommit = (fn: () => void) => fn();
  if (dialect.provider === "postgresql") {
    return {
      dialect,
      database,
      inTransaction: false,
      query: run.query,
      execute: run.execute,
      afterCommit,
      transaction: async (fn) => {
        onStatement?.("BEGIN", true);
        let tx: ReturnType<typeof transactionExecutor> | undefined;
        try {
          const result = await database.$transaction(
            (client) => {
              tx = transactionExecutor(database, client, dialect, onStatement);
              return fn(tx);
            },
            { maxWait: settings.maxWaitMs, timeout: settings.timeoutMs },
          );
          onStatement?.("COMMIT", true);
          tx?.committed();
          return result;
        } catch (error) {
          onStatement?.("ROLLBACK", true);
          throw error;
        }
      },
    };
  }
  let lock = sqliteLocks.get(database);
  if (!lock) {
    lock = new Mutex();
    sqliteLocks.set(database, lock);
  }
  const mutex = lock;
  return {
    dialect,
    database,
    inTransaction: false,
    afterCommit,
    query: (sql, ...params) => mutex.run(() => retryWhileBusy(() => run.query(sql, ...params))),
    execute: (sql, ...params) => mutex.run(() => retryWhileBusy(() => run.execute(sql, ...params))),
    transaction: (fn) =>
      mutex.run(async () => {
        await retryWhileBusy(() => database.$executeRawUnsafe("BEGIN IMMEDIATE"));
        onStatement?.("BEGIN", true);
        const inside = transactionExecutor(database, database, dialect, onStatement);
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(inside);
        } catch (error) {
          await database.$executeRawUnsafe("ROLLBACK").catch(() => undefined);
          onStatement?.("ROLLBACK", true);
          throw error;
        }
        await database.$executeRawUnsafe("COMMIT");
        onStatement?.("COMMIT", true);
        inside.committed();
        return result;
      }),
  };
}
