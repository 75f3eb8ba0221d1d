/**
 * What every SQLite driver shares: one connection, so statements and transactions on it are
 * serialised by a mutex (nothing outside a transaction can run inside it by accident and see
 * or join its uncommitted writes); transactions start with `BEGIN IMMEDIATE`, taking the write
 * lock up front so several processes on one file never fail on a lock upgrade; and a database
 * another process holds is retried asynchronously (see `../sqlite-busy.ts`).
 */

import type { SqlDriver, SqlSession } from "../driver.js";
import { Mutex } from "../mutex.js";
import { retryWhileBusy } from "../sqlite-busy.js";

/** A SQLite driver over one connection's raw `session`. */
export function serialSqliteDriver(session: SqlSession, identity: object): SqlDriver {
  const mutex = new Mutex();
  const control = (sql: string) => session.execute(sql, []);
  return {
    provider: "sqlite",
    identity,
    query: (sql, params) => mutex.run(() => retryWhileBusy(() => session.query(sql, params))),
    execute: (sql, params) => mutex.run(() => retryWhileBusy(() => session.execute(sql, params))),
    transaction: (fn) =>
      mutex.run(async () => {
        await retryWhileBusy(() => control("BEGIN IMMEDIATE"));
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(session);
        } catch (error) {
          await control("ROLLBACK").catch(() => undefined);
          throw error;
        }
        await control("COMMIT");
        return result;
      }),
  };
}
