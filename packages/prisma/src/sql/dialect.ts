/**
 * What differs between PostgreSQL and SQLite in the adapters' SQL. Statements are written
 * once with PostgreSQL-style `$1` placeholders; the SQLite dialect rewrites them to anonymous
 * `?` (numbered `?1` does not bind through Prisma's SQLite driver) and repeats parameters as
 * often as they occur.
 */
import type { DatabaseProvider } from "../provider.js";

/** SQL differences between the providers. */
export interface Dialect {
  readonly provider: DatabaseProvider;
  /** Rewrites a statement with `$n` placeholders, and its parameters, for the provider. */
  prepare(text: string, params: readonly unknown[]): { sql: string; params: readonly unknown[] };
  /**
   * A Date as a query parameter. PostgreSQL: ISO 8601 text (`toISOString` is native; `pg`'s
   * own Date formatting costs more than a small statement); SQLite: epoch milliseconds.
   */
  date(value: Date): string | number;
  /** A nullable Date as a query parameter. */
  dateOrNull(value: Date | null | undefined): string | number | null;
  /** Appended to a row-selecting subquery to lock the rows it picks and skip locked ones. */
  readonly skipLocked: string;
  /** Appended to a `SELECT` of one row to lock it until the transaction ends. */
  readonly forUpdate: string;
  /** Bytes as a query parameter. */
  bytes(value: Uint8Array): Uint8Array;
  /**
   * `column` is one of the values `subquery` selects. On PostgreSQL this is
   * `column = ANY (ARRAY(subquery))`: the subquery runs once and the outer statement looks its
   * rows up by index, where `IN (subquery)` may be planned (generically) as a scan of every row
   * with a matching status. Statements that pick rows this way test the status as
   * `(status = '…') IS TRUE`, which no index matches, so the planner cannot prefer a status
   * index (and scan every pending or running row) over the key lookup.
   */
  oneOf(column: string, subquery: string): string;
  /**
   * Most `SELECT`s one compound `SELECT` (`UNION ALL`) may join, when the database limits it
   * lower than the statements need (D1: 5); unset when the limit is out of reach.
   */
  readonly maxCompoundSelect?: number;
}

const PLACEHOLDER = /\$(\d+)/g;
const cache = new Map<string, { sql: string; order: number[] }>();

/** The PostgreSQL dialect. */
export const postgresDialect: Dialect = {
  provider: "postgresql",
  prepare: (text, params) => ({ sql: text, params }),
  date: (value) => value.toISOString(),
  dateOrNull: (value) => (value ? value.toISOString() : null),
  skipLocked: "FOR UPDATE SKIP LOCKED",
  forUpdate: "FOR UPDATE",
  bytes: (value) => value,
  oneOf: (column, subquery) => `${column} = ANY (ARRAY(${subquery}))`,
};

/** The SQLite dialect: writers are serialised by `BEGIN IMMEDIATE`, so no row locks exist. */
export const sqliteDialect: Dialect = {
  provider: "sqlite",
  prepare: (text, params) => {
    let entry = cache.get(text);
    if (entry === undefined) {
      const order: number[] = [];
      const sql = text.replace(PLACEHOLDER, (_, n: string) => {
        order.push(Number(n) - 1);
        return "?";
      });
      entry = { sql, order };
      if (cache.size < 10_000) cache.set(text, entry);
    }
    return { sql: entry.sql, params: entry.order.map((i) => params[i]) };
  },
  date: (value) => value.getTime(),
  dateOrNull: (value) => (value ? value.getTime() : null),
  skipLocked: "",
  forUpdate: "",
  bytes: (value) => value,
  oneOf: (column, subquery) => `${column} IN (${subquery})`,
};

/**
 * SQLite on Cloudflare D1: SQLite's SQL, but at most 5 terms per compound `SELECT` (D1 sets
 * `SQLITE_LIMIT_COMPOUND_SELECT` that low), so per-route unions fall back to one scan.
 */
export const d1Dialect: Dialect = { ...sqliteDialect, maxCompoundSelect: 5 };

/** The dialect of a provider. */
export function dialectFor(provider: DatabaseProvider): Dialect {
  return provider === "postgresql" ? postgresDialect : sqliteDialect;
}
