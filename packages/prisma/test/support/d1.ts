/**
 * D1 under Miniflare for tests: a workerd process with one D1 database persisted in a
 * temporary folder and a Worker that runs batches of statements on it (every statement runs in
 * workerd's D1, not in a Node SQLite), a migrated D1 stack over it, and a backdoor reader.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll } from "vitest";
import { sqliteDialect } from "../../src/sql/dialect.js";
import {
  type D1Database,
  type D1PreparedStatement,
  type D1Result,
  D1Session,
} from "../../src/sql/drivers/d1.js";
import { createD1Stack, type D1Stack, type D1StackOptions } from "../../src/stacks/d1.js";
import type { RawReader } from "./backdoor.js";
import { TABLES } from "./stacks.js";

/**
 * A Worker that runs statements on its D1 binding: `POST /batch` with `{ statements: [{ sql,
 * params }] }` runs them with `env.DB.batch()` in workerd and answers each one's `results` and
 * `meta`, or `{ error }` with status 500. Bytes travel as `{ "$bytes": [...] }`.
 */
const D1_WORKER = `
const decode = (v) => (v && typeof v === "object" && Array.isArray(v.$bytes) ? new Uint8Array(v.$bytes) : v);
const encode = (v) => (v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : ArrayBuffer.isView(v) ? Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) : v);
export default {
  async fetch(request, env) {
    const { statements } = await request.json();
    try {
      const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params.map(decode))));
      return Response.json(results.map((r) => ({
        results: (r.results ?? []).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, encode(v)]))),
        meta: r.meta,
        success: r.success,
      })));
    } catch (error) {
      return Response.json({ error: String(error && error.message), cause: String(error && error.cause && error.cause.message) }, { status: 500 });
    }
  },
};`;

/** Starts workerd with a D1 database `DB` persisted under `dir`, and the batch Worker over it. */
export function startD1(dir: string): Miniflare {
  return new Miniflare({
    modules: true,
    script: D1_WORKER,
    compatibilityDate: "2025-09-01",
    d1Databases: { DB: "ratchet-test" },
    d1Persist: dir,
  });
}

interface Pending {
  sql: string;
  params: unknown[];
}

/**
 * The D1 database of `mf`, as the driver takes it: every `batch()` (and every single
 * statement) is one request to the Worker above, so it runs in workerd's D1 — and Miniflare's
 * synchronous Node proxy (a blocking call per `prepare`) is not used.
 */
export async function d1Of(mf: Miniflare): Promise<D1Database> {
  await mf.ready;
  const send = async (statements: Pending[]): Promise<D1Result[]> => {
    const response = await mf.dispatchFetch("http://d1.test/batch", {
      method: "POST",
      body: JSON.stringify({
        statements: statements.map((s) => ({
          sql: s.sql,
          params: s.params.map((v) => (v instanceof Uint8Array ? { $bytes: Array.from(v) } : v)),
        })),
      }),
    });
    const body = (await response.json()) as D1Result[] | { error: string; cause: string };
    if (!Array.isArray(body)) throw new Error(body.error, { cause: new Error(body.cause) });
    return body;
  };
  const statement = (sql: string, params: unknown[] = []): D1PreparedStatement & Pending => ({
    sql,
    params,
    bind: (...values: unknown[]) => statement(sql, values),
    all: async <T>() => (await send([{ sql, params }]))[0] as D1Result<T>,
    run: async () => (await send([{ sql, params }]))[0] as D1Result,
  });
  return {
    prepare: (sql) => statement(sql),
    batch: async <T>(statements: D1PreparedStatement[]) =>
      (await send(statements as unknown as Pending[])) as D1Result<T>[],
  };
}

/** A reader over D1 that bypasses the executor (and its lock). */
export function d1Reader(database: D1Database): RawReader {
  const session = new D1Session(database);
  return {
    read: (sql, params = []) => session.query(sqliteDialect.prepare(sql, params)),
    close: async () => {},
  };
}

/** A D1 stack under test. */
export interface D1Harness {
  mf: Miniflare;
  database: D1Database;
  stack: D1Stack;
  reader: RawReader;
  /** Where the database is persisted. */
  dir: string;
  /** Deletes every row of every table. */
  truncate(): Promise<void>;
  /** Opens another stack on the same database (another isolate). */
  open(options?: Partial<D1StackOptions>): Promise<D1Stack>;
}

/** Registers hooks that start Miniflare with a migrated D1 database for this file. */
export function useD1Stack(options: Partial<D1StackOptions> = {}): () => D1Harness {
  let harness: D1Harness | undefined;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "ratchet-d1-"));
    const mf = startD1(dir);
    const database = await d1Of(mf);
    const stack = await createD1Stack({ ...options, database });
    harness = {
      mf,
      database,
      stack,
      dir,
      reader: d1Reader(database),
      truncate: async () => {
        await new D1Session(database).batch(
          TABLES.map((table) => ({ sql: `DELETE FROM ${table}`, params: [] })),
        );
      },
      open: (more = {}) => createD1Stack({ ...options, ...more, database }),
    };
  });
  afterAll(async () => {
    await harness?.mf.dispose();
    if (harness) rmSync(harness.dir, { recursive: true, force: true });
  });
  return () => {
    if (!harness)
      throw new Error("[ratchet] [test] the D1 stack is not ready (beforeAll has not run)");
    return harness;
  };
}
