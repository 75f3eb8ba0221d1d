/**
 * Test harness: a migrated stack on a real database (a temp SQLite file, or a fresh PostgreSQL
 * database), a backdoor reader on its own connection, and a way to empty every table.
 */
import { afterAll, beforeAll, inject } from "vitest";
import { createPostgresStack, createSqliteStack, type PrismaStack } from "../../src/index.js";
import type { DatabaseProvider } from "../../src/provider.js";
import {
  createPostgresDatabase,
  createSqliteFile,
  type TestDatabase,
} from "../../src/testing/index.js";
import { postgresReader, type RawReader, sqliteReader } from "./backdoor.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database `useStack` clones (postgres-template.ts), or null without one. */
    postgresTemplate: string | null;
  }
}

/** Every table Ratchet owns (the migrations table excepted). */
export const TABLES = [
  "ratchet_runs",
  "ratchet_stages",
  "ratchet_jobs",
  "ratchet_outbox",
  "ratchet_idempotency_keys",
  "ratchet_scheduled_commands",
  "ratchet_logs",
  "ratchet_blobs",
  "ratchet_schedules",
  "ratchet_signals",
  "ratchet_signal_waits",
  "ratchet_start_rates",
  "ratchet_circuit_breakers",
  "ratchet_run_waiters",
] as const;

/**
 * A fresh migrated PostgreSQL database: a copy of the run's migrated template
 * (test/support/postgres-template.ts), or, without one, a fresh database that the stack opened
 * on it migrates (and that fails with how to start PostgreSQL when it is down).
 */
function migratedPostgresDatabase(label: string): Promise<TestDatabase> {
  return createPostgresDatabase(label, { template: inject("postgresTemplate") });
}

/** A stack under test. */
export interface StackHarness {
  provider: DatabaseProvider;
  stack: PrismaStack;
  reader: RawReader;
  /** Where the database is: the SQLite file, or the PostgreSQL URL. */
  location: string;
  /** Deletes every row of every table. */
  truncate(): Promise<void>;
  /** Opens another stack on the same database (another "process" or connection). */
  open(): Promise<PrismaStack>;
}

/**
 * On PostgreSQL, one statement of DELETEs (data-modifying CTEs): a TRUNCATE of the tables took
 * 100-300 ms (new files for every table and index), run before each of the conformance
 * suites' ~450 tests; deleting the few rows a test leaves takes a few milliseconds. No table
 * has a foreign key, and no test relies on TRUNCATE's other effects (sequences are not reset
 * by either).
 */
const DELETE_ALL_POSTGRES = `WITH ${TABLES.slice(0, -1)
  .map((table, i) => `d${i} AS (DELETE FROM ${table})`)
  .join(", ")} DELETE FROM ${TABLES[TABLES.length - 1]}`;

async function truncateAll(stack: PrismaStack): Promise<void> {
  if (stack.provider === "postgresql") {
    await stack.prisma.$executeRawUnsafe(DELETE_ALL_POSTGRES);
  } else {
    for (const table of TABLES) await stack.prisma.$executeRawUnsafe(`DELETE FROM ${table}`);
  }
}

/**
 * Registers beforeAll/afterAll hooks that create a migrated database of `provider` for this
 * test file and remove it afterwards; returns a getter of the harness.
 */
export function useStack(provider: DatabaseProvider, label: string): () => StackHarness {
  let harness: StackHarness | undefined;
  const opened: PrismaStack[] = [];
  let cleanup: () => Promise<void> = async () => {};
  beforeAll(async () => {
    if (provider === "sqlite") {
      const db = createSqliteFile(label);
      const stack = await createSqliteStack({ file: db.file });
      const open = async () => {
        const other = await createSqliteStack({ file: db.file });
        opened.push(other);
        return other;
      };
      harness = {
        provider,
        stack,
        reader: sqliteReader(db.file),
        location: db.file,
        truncate: () => truncateAll(stack),
        open,
      };
      cleanup = async () => db.cleanup();
    } else {
      const db = await migratedPostgresDatabase(label);
      const stack = await createPostgresStack({ url: db.url });
      const open = async () => {
        const other = await createPostgresStack({ url: db.url });
        opened.push(other);
        return other;
      };
      harness = {
        provider,
        stack,
        reader: postgresReader(db.url),
        location: db.url,
        truncate: () => truncateAll(stack),
        open,
      };
      cleanup = () => db.drop();
    }
  });
  afterAll(async () => {
    for (const other of opened) await other.close();
    await harness?.reader.close();
    await harness?.stack.close();
    await cleanup();
  });
  return () => {
    if (!harness)
      throw new Error("[ratchet] [test] the stack is not ready (beforeAll has not run)");
    return harness;
  };
}
