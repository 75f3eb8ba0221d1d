/**
 * The better-sqlite3 driver: one connection, statements prepared once and cached by their
 * text. better-sqlite3 is synchronous; every statement here takes microseconds, and a locked
 * database is retried asynchronously (busy timeout 0), so the event loop never blocks on a lock.
 */
import Database from "better-sqlite3";
import { SQLITE_PRAGMAS } from "../../clients/sqlite.js";
import type { Row, SqlDriver, SqlSession } from "../driver.js";
import { serialSqliteDriver } from "./sqlite-serial.js";

const MAX_CACHED_STATEMENTS = 500;

function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

/** Statements on a better-sqlite3 connection, prepared once per text. */
function sessionOver(db: Database.Database): SqlSession {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (cache.size < MAX_CACHED_STATEMENTS) cache.set(sql, statement);
    }
    return statement;
  };
  return {
    query: async (sql, params) => {
      const statement = prepare(sql);
      const values = params.map(bindable);
      if (statement.reader) return statement.all(...values) as Row[];
      statement.run(...values);
      return [];
    },
    execute: async (sql, params) => prepare(sql).run(...params.map(bindable)).changes,
  };
}

/** A handle on an open better-sqlite3 connection. */
export interface BetterSqliteConnection {
  driver: SqlDriver;
  close(): void;
}

/**
 * Opens `file` with better-sqlite3 and Ratchet's PRAGMAs (WAL, `synchronous = NORMAL`), with a
 * busy timeout of 0: a database another process holds is retried asynchronously.
 */
export function openBetterSqlite(file: string): BetterSqliteConnection {
  const db = new Database(file, { timeout: 0 });
  for (const pragma of SQLITE_PRAGMAS) {
    if (!pragma.startsWith("PRAGMA busy_timeout")) db.exec(pragma);
  }
  db.exec("PRAGMA busy_timeout = 0");
  const driver = serialSqliteDriver(sessionOver(db), db);
  return { driver, close: () => db.close() };
}
