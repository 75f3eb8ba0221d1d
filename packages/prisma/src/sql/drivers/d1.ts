/**
 * The D1 driver: statements on a Cloudflare D1 binding (`env.DB`), typed structurally here so
 * neither this package nor its users need `@cloudflare/workers-types`. D1 has no interactive
 * transactions (it rejects `BEGIN` and `SAVEPOINT`); what it has is `batch()`, which runs its
 * statements in order, atomically, in one implicit transaction. `d1-executor.ts` builds
 * Ratchet's transactions on that (see docs/adr/0008-d1-transactions.md).
 *
 * Nothing here imports a Node built-in: it runs in workerd.
 */
import type { Row } from "../driver.js";

/** A prepared D1 statement (the subset Ratchet uses). */
export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  run(): Promise<D1Result>;
}

/** What D1 returns for one statement. */
export interface D1Result<T = Record<string, unknown>> {
  results?: T[];
  success: boolean;
  meta: { changes?: number; [key: string]: unknown };
}

/** A D1 database binding (the subset Ratchet uses). */
export interface D1Database {
  prepare(query: string): D1PreparedStatement;
  batch<T = Record<string, unknown>>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
}

/** A statement for D1: `?` placeholders, parameters in order. */
export interface D1Statement {
  sql: string;
  params: readonly unknown[];
}

/** A parameter as D1 binds it: no `undefined`, booleans as 0/1, Dates as epoch ms. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** A row as the adapters expect it: D1 returns blobs as arrays of byte values. */
function rowOf(row: Record<string, unknown>): Row {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (Array.isArray(value)) row[key] = Uint8Array.from(value as number[]);
    else if (value instanceof ArrayBuffer) row[key] = new Uint8Array(value);
  }
  return row;
}

/** Statements on a D1 binding: one at a time, or several as one atomic batch. */
export class D1Session {
  constructor(readonly database: D1Database) {}

  private prepare(statement: D1Statement): D1PreparedStatement {
    const prepared = this.database.prepare(statement.sql);
    return statement.params.length === 0
      ? prepared
      : prepared.bind(...statement.params.map(bindable));
  }

  /** Runs one statement and returns its rows. */
  async query(statement: D1Statement): Promise<Row[]> {
    const result = await this.prepare(statement).all();
    return (result.results ?? []).map(rowOf);
  }

  /**
   * Runs `statements` in one atomic batch and returns each one's rows: all of them take
   * effect, or (when one fails) none, and the batch rejects with that statement's error.
   */
  async batch(statements: readonly D1Statement[]): Promise<Row[][]> {
    const results = await this.database.batch(statements.map((s) => this.prepare(s)));
    return results.map((result) => (result.results ?? []).map(rowOf));
  }
}
