/**
 * SQL executors: Ratchet's way of running statements and transactions, over any driver
 * (`driver.ts`). Statements are written once with PostgreSQL-style `$n` placeholders (the
 * dialect rewrites them for SQLite). Inside a PostgreSQL transaction, writes nobody reads the
 * result of are held back and sent together as one statement; hooks run after commit; an
 * optional observer sees every statement.
 */
import type { Dialect } from "./dialect.js";
import type { SqlDriver, SqlSession } from "./driver.js";
import { LazyTransaction } from "./lazy-transaction.js";

/** A statement written with `$n` placeholders, and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** Runs SQL written with `$n` placeholders. */
export interface SqlExecutor {
  readonly dialect: Dialect;
  /** Stands for the database: executors with the same one join each other's transactions. */
  readonly database: object;
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
  /**
   * Sends an `INSERT`/`UPDATE`/`DELETE` whose result nobody reads. Inside a PostgreSQL
   * transaction it is held back and sent together with the other held-back writes as one
   * statement (data-modifying CTEs), before the next statement or the commit — in order, so
   * nothing can observe the difference except the number of round trips. Elsewhere it is sent
   * at once.
   */
  write(sql: string, ...params: unknown[]): Promise<void>;
  /** Sends `pg_notify(channel, payload)` (PostgreSQL only), held back like {@link SqlExecutor.write}. */
  notify(channel: string, payload: string): Promise<void>;
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

function statementRunner(
  session: SqlSession,
  dialect: Dialect,
  inTransaction: boolean,
  onStatement: TransactionSettings["onStatement"],
) {
  return {
    query: <T>(text: string, ...values: unknown[]) => {
      const { sql, params } = dialect.prepare(text, values);
      onStatement?.(sql, inTransaction);
      return session.query(sql, params) as Promise<T[]>;
    },
    execute: (text: string, ...values: unknown[]) => {
      const { sql, params } = dialect.prepare(text, values);
      onStatement?.(sql, inTransaction);
      return session.execute(sql, params);
    },
  };
}

/** Renumbers `$n` placeholders by `offset`. */
function shift(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/**
 * Held-back writes of one PostgreSQL transaction, sent as a single statement:
 * `WITH w0 AS (INSERT …), w1 AS (INSERT …) SELECT pg_notify(…)`.
 */
class WriteBuffer {
  private writes: Array<{ sql: string; params: unknown[] }> = [];
  private notifications = new Set<string>();

  constructor(private readonly send: (sql: string, ...params: unknown[]) => Promise<unknown>) {}

  add(sql: string, params: unknown[]): void {
    this.writes.push({ sql, params });
  }

  notify(channel: string, payload: string): void {
    this.notifications.add(`${channel}\u0000${payload}`);
  }

  /** Whether nothing is held back. */
  get empty(): boolean {
    return this.writes.length === 0 && this.notifications.size === 0;
  }

  /** Sends what is held back, through `send` (default: the transaction's own). */
  async flush(send = this.send): Promise<void> {
    if (this.empty) return;
    const writes = this.writes;
    const notifications = [...this.notifications].map(
      (entry) => entry.split("\u0000") as [string, string],
    );
    this.writes = [];
    this.notifications = new Set();
    const params: unknown[] = [];
    const ctes = writes.map((write, i) => {
      const sql = shift(write.sql, params.length);
      params.push(...write.params);
      return `w${i} AS (${sql})`;
    });
    const finals = notifications.map(([channel, payload]) => {
      params.push(channel, payload);
      return `pg_notify($${params.length - 1}, $${params.length})`;
    });
    if (ctes.length === 1 && finals.length === 0) {
      await send(
        (writes[0] as { sql: string }).sql,
        ...(writes[0] as { params: unknown[] }).params,
      );
      return;
    }
    const head = ctes.length > 0 ? `WITH ${ctes.join(", ")} ` : "";
    await send(`${head}SELECT ${finals.length > 0 ? finals.join(", ") : "1"}`, ...params);
  }
}

/** The executor inside a transaction, and what its owner needs to end it. */
type TransactionExecutor = SqlExecutor & {
  /** Runs the after-commit hooks. */
  committed(): void;
  /** Sends the held-back writes through `send` (default: the transaction's session). */
  flush(send?: (sql: string, ...params: unknown[]) => Promise<unknown>): Promise<void>;
};

function transactionExecutor(
  database: object,
  session: SqlSession,
  dialect: Dialect,
  onStatement: TransactionSettings["onStatement"],
  /** Starts a lazy transaction before its first statement that needs an answer. */
  open: () => Promise<unknown> = async () => undefined,
): TransactionExecutor {
  const run = statementRunner(session, dialect, true, onStatement);
  const pending: Array<() => void> = [];
  const buffer = dialect.provider === "postgresql" ? new WriteBuffer(run.execute) : undefined;
  const self: TransactionExecutor = {
    dialect,
    database,
    inTransaction: true,
    query: async (sql, ...params) => {
      await open();
      await buffer?.flush();
      return run.query(sql, ...params);
    },
    execute: async (sql, ...params) => {
      await open();
      await buffer?.flush();
      return run.execute(sql, ...params);
    },
    write: async (sql, ...params) => {
      if (buffer) buffer.add(sql, params);
      else await run.execute(sql, ...params);
    },
    notify: async (channel, payload) => {
      if (buffer) buffer.notify(channel, payload);
      else if (dialect.provider === "postgresql")
        await run.execute("SELECT pg_notify($1, $2)", channel, payload);
    },
    transaction: (fn) => fn(self),
    afterCommit: (fn) => {
      pending.push(fn);
    },
    flush: async (send) => {
      await buffer?.flush(send);
    },
    committed: () => {
      for (const fn of pending.splice(0)) fn();
    },
  };
  return self;
}

/** The executor of a driver. */
export function createExecutor(
  driver: SqlDriver,
  dialect: Dialect,
  settings: TransactionSettings = DEFAULT_TRANSACTION_SETTINGS,
): SqlExecutor {
  const { onStatement } = settings;
  const database = driver.identity;
  const run = statementRunner(driver, dialect, false, onStatement);
  const postgres = dialect.provider === "postgresql";
  return {
    dialect,
    database,
    inTransaction: false,
    query: run.query,
    execute: run.execute,
    write: async (sql, ...params) => {
      await run.execute(sql, ...params);
    },
    notify: async (channel, payload) => {
      // SQLite has no NOTIFY: other processes learn of commits through the file watch.
      if (postgres) await run.execute("SELECT pg_notify($1, $2)", channel, payload);
    },
    afterCommit: (fn) => fn(),
    transaction: async (fn) => {
      const limits = { maxWaitMs: settings.maxWaitMs, timeoutMs: settings.timeoutMs };
      if (!postgres) return eagerTransaction(driver, database, dialect, limits, onStatement, fn);
      // PostgreSQL: BEGIN only once a statement needs an answer (see lazy-transaction.ts).
      const lazy = new LazyTransaction(driver, limits, () => onStatement?.("BEGIN", true));
      const session: SqlSession = {
        query: async (sql, params) => (await lazy.session()).query(sql, params),
        execute: async (sql, params) => (await lazy.session()).execute(sql, params),
      };
      const inner = transactionExecutor(database, session, dialect, onStatement, () =>
        lazy.session(),
      );
      let value: Awaited<ReturnType<typeof fn>>;
      try {
        value = await fn(inner);
        if (lazy.isOpen) {
          await inner.flush();
          await lazy.commit();
          onStatement?.("COMMIT", true);
        } else {
          // Only held-back writes: one statement, atomic on its own.
          await inner.flush(run.execute);
        }
      } catch (error) {
        if (lazy.isOpen) {
          await lazy.rollback(error);
          onStatement?.("ROLLBACK", true);
        }
        throw error;
      }
      inner.committed();
      return value;
    },
  };
}

/** A transaction started at once (SQLite: `BEGIN IMMEDIATE` takes the write lock up front). */
async function eagerTransaction<T>(
  driver: SqlDriver,
  database: object,
  dialect: Dialect,
  limits: { maxWaitMs: number; timeoutMs: number },
  onStatement: TransactionSettings["onStatement"],
  fn: (tx: SqlExecutor) => Promise<T>,
): Promise<T> {
  let inner: TransactionExecutor | undefined;
  try {
    const result = await driver.transaction(async (session) => {
      onStatement?.("BEGIN", true);
      inner = transactionExecutor(database, session, dialect, onStatement);
      const value = await fn(inner);
      await inner.flush();
      return value;
    }, limits);
    onStatement?.("COMMIT", true);
    inner?.committed();
    return result;
  } catch (error) {
    if (inner) onStatement?.("ROLLBACK", true);
    throw error;
  }
}
