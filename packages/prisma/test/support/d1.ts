/**
 * D1 under Miniflare for tests: a workerd process with one D1 database persisted in a
 * temporary folder, reached from Node through Miniflare's binding proxy (every statement runs
 * in workerd's D1, not in a Node SQLite), a migrated D1 stack over it, and a backdoor reader.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll } from "vitest";
import { sqliteDialect } from "../../src/sql/dialect.js";
import { type D1Database, D1Session } from "../../src/sql/drivers/d1.js";
import { createD1Stack, type D1Stack, type D1StackOptions } from "../../src/stacks/d1.js";
import type { RawReader } from "./backdoor.js";
import { TABLES } from "./stacks.js";

/** A Worker that does nothing: Miniflare needs one to host the D1 binding. */
const IDLE_WORKER = "export default { fetch() { return new Response(null, { status: 204 }); } }";

/** Starts workerd with a D1 database `DB` persisted under `dir`. */
export function startD1(dir: string): Miniflare {
  return new Miniflare({
    modules: true,
    script: IDLE_WORKER,
    compatibilityDate: "2025-09-01",
    d1Databases: { DB: "ratchet-test" },
    d1Persist: dir,
  });
}

/** The D1 binding of `mf`, typed as the driver takes it. */
export async function d1Of(mf: Miniflare): Promise<D1Database> {
  return (await mf.getD1Database("DB")) as unknown as D1Database;
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
