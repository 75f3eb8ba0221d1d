/**
 * Ratchet's executor on D1, which has no interactive transactions (docs/adr/0008): a
 * transaction takes the database-wide lock (`ratchet_d1_lock`), sends each statement at once
 * behind a guard that it still holds the lock (so it reads its own writes and real row
 * counts), while triggers journal how to undo each change; commit empties the journal and
 * frees the lock in one batch, rollback replays the journal backwards in one batch. A holder
 * that crashed is rolled back by whoever takes over its expired lease. Statements outside a
 * transaction run behind a guard that nobody holds the lock, so they never see, nor mix
 * with, uncommitted writes. In one isolate everything is serialised by a mutex.
 */
import { ACQUIRE, CHANGES, GUARD_FREE } from "./d1-journal.js";
import { D1Lock, D1LockLostError, isGuardFailure, newToken } from "./d1-lock.js";
import { d1Statements } from "./d1-statements.js";
import { d1Dialect } from "./dialect.js";
import { type Row, TransactionTimeoutError } from "./driver.js";
import type { D1Session, D1Statement } from "./drivers/d1.js";
import type { SqlExecutor } from "./executor.js";
import { Mutex } from "./mutex.js";

/** Settings of the D1 executor. */
export interface D1ExecutorSettings {
  /** Longest a transaction may stay open before it is rolled back, ms. */
  timeoutMs: number;
  /** Longest a statement or transaction waits for another isolate's transaction, ms. */
  lockWaitMs: number;
  /**
   * How long the lock stays taken by a holder that never commits (its isolate was evicted or
   * crashed) before another may roll it back, ms; longer than `timeoutMs`.
   */
  leaseMs: number;
  /** Called for every statement sent (and BEGIN/COMMIT/ROLLBACK). */
  onStatement?: (sql: string, inTransaction: boolean) => void;
}

/** Defaults of {@link D1ExecutorSettings}. */
export const DEFAULT_D1_SETTINGS: D1ExecutorSettings = {
  timeoutMs: 30_000,
  lockWaitMs: 30_000,
  leaseMs: 40_000,
};

/** The D1 executor; `lock` is exposed for recovery at start. */
export function createD1Executor(
  session: D1Session,
  settings: D1ExecutorSettings = DEFAULT_D1_SETTINGS,
): SqlExecutor & { readonly lock: D1Lock } {
  const mutex = new Mutex();
  const lock = new D1Lock(session, settings.leaseMs);
  const database = {};
  const { onStatement } = settings;
  /**
   * One statement outside a transaction (as one or more D1 statements, see d1-statements.ts),
   * once no transaction holds the database: its rows, and the rows it changed.
   */
  const single = (text: string, values: readonly unknown[]) =>
    mutex.run(async () => {
      const statements = d1Statements(text, values);
      for (const statement of statements) onStatement?.(statement.sql, false);
      const started = Date.now();
      const deadline = started + settings.lockWaitMs;
      for (;;) {
        try {
          const rows = await session.batch([
            { sql: GUARD_FREE, params: [] },
            ...withChanges(statements),
          ]);
          return results(rows.slice(1));
        } catch (error) {
          if (!isGuardFailure(error)) throw error;
          await lock.waitUntilFree(deadline, started);
        }
      }
    });

  const executor: SqlExecutor & { readonly lock: D1Lock } = {
    dialect: d1Dialect,
    database,
    inTransaction: false,
    lock,
    query: async <T>(sql: string, ...params: unknown[]) => (await single(sql, params)).rows as T[],
    execute: async (sql, ...params) => (await single(sql, params)).changes,
    write: async (sql, ...params) => {
      await single(sql, params);
    },
    notify: async () => {
      // D1 has no NOTIFY: hosts on Workers are woken by queue messages and cron triggers.
    },
    afterCommit: (fn) => fn(),
    transaction: (fn) =>
      mutex.run(async () => {
        const tx = new D1Transaction(session, lock, settings, database);
        return tx.run(fn);
      }),
  };
  return executor;
}

/** `statements`, each followed by the statement that reads how many rows it changed. */
function withChanges(statements: readonly D1Statement[]): D1Statement[] {
  return statements.flatMap((statement) => [statement, { sql: CHANGES, params: [] }]);
}

/** The rows and changed-row count of statements sent through {@link withChanges}. */
function results(rows: readonly Row[][]): { rows: Row[]; changes: number } {
  const out: Row[] = [];
  let changes = 0;
  for (let i = 0; i < rows.length; i += 2) {
    out.push(...(rows[i] ?? []));
    changes += Number(rows[i + 1]?.[0]?.ratchet_d1_changes ?? 0);
  }
  return { rows: out, changes };
}

/** One transaction: lazily takes the lock with its first statement. */
class D1Transaction {
  private readonly token = newToken();
  private locked = false;
  private ended = false;
  private readonly hooks: Array<() => void> = [];

  constructor(
    private readonly session: D1Session,
    private readonly lock: D1Lock,
    private readonly settings: D1ExecutorSettings,
    private readonly database: object,
  ) {}

  /** Sends a statement behind the guard that this transaction holds the lock. */
  private async send(text: string, values: readonly unknown[]) {
    if (this.ended) {
      throw new Error("[ratchet] [prisma] [d1] statement after the transaction ended (timed out)");
    }
    const statements = d1Statements(text, values);
    for (const statement of statements) this.settings.onStatement?.(statement.sql, true);
    const started = Date.now();
    for (;;) {
      const head: D1Statement[] = this.locked
        ? [this.lock.mine(this.token)]
        : [
            { sql: ACQUIRE, params: [this.token, this.settings.leaseMs] },
            this.lock.mine(this.token),
          ];
      try {
        const rows = await this.session.batch([...head, ...withChanges(statements)]);
        this.locked = true;
        return results(rows.slice(head.length));
      } catch (error) {
        if (!isGuardFailure(error)) throw error;
        if (this.locked) throw new D1LockLostError();
        await this.lock.waitUntilFree(started + this.settings.lockWaitMs, started);
      }
    }
  }

  private view(): SqlExecutor {
    const self: SqlExecutor = {
      dialect: d1Dialect,
      database: this.database,
      inTransaction: true,
      query: async <T>(sql: string, ...params: unknown[]) =>
        (await this.send(sql, params)).rows as T[],
      execute: async (sql, ...params) => (await this.send(sql, params)).changes,
      write: async (sql, ...params) => {
        await this.send(sql, params);
      },
      notify: async () => {},
      transaction: (fn) => fn(self),
      afterCommit: (fn) => {
        this.hooks.push(fn);
      },
    };
    return self;
  }

  async run<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { onStatement, timeoutMs } = this.settings;
    onStatement?.("BEGIN", true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransactionTimeoutError(timeoutMs)), timeoutMs);
    });
    let value: T;
    try {
      value = await Promise.race([fn(this.view()), timeout]);
    } catch (error) {
      this.ended = true;
      clearTimeout(timer);
      if (this.locked) await this.lock.rollback(this.token);
      onStatement?.("ROLLBACK", true);
      throw error;
    }
    this.ended = true;
    clearTimeout(timer);
    if (this.locked) {
      try {
        await this.lock.commit(this.token);
      } catch (error) {
        // Unknown whether the commit reached the database: roll back in case it did not (a
        // no-op when it did, since the lock is then free).
        await this.lock.rollback(this.token).catch(() => undefined);
        onStatement?.("ROLLBACK", true);
        throw error;
      }
    }
    onStatement?.("COMMIT", true);
    for (const hook of this.hooks.splice(0)) hook();
    return value;
  }
}
