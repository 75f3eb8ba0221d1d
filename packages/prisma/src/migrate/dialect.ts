/**
 * What differs between databases when migrating: how the migration lock is taken, how a
 * script is executed, and which errors mean "someone else holds the lock, try again".
 *
 * Every migration runs in its own transaction, which starts with {@link MigrationDialect.lock}
 * (so the bookkeeping table exists and no other migrator runs until the commit), then reads the
 * applied migrations, applies the next one and records it.
 */

import type { DatabaseProvider } from "../provider.js";
import type { MigrationQueryable } from "./client.js";
import type { Migration } from "./migration.js";

/** The database-specific part of the migrator. */
export interface MigrationDialect {
  readonly provider: DatabaseProvider;
  /** Prepares the connection before the first transaction; resolves to a function undoing it. */
  setUp(client: MigrationQueryable): Promise<() => Promise<void>>;
  /** First statements of each migration transaction: take the lock, create the table if missing. */
  lock(tx: MigrationQueryable, lockTimeoutMs: number): Promise<void>;
  /** Runs a migration script inside the transaction. */
  execute(tx: MigrationQueryable, sql: string): Promise<void>;
  /** Records `migration` as applied, inside the transaction. */
  record(tx: MigrationQueryable, migration: Migration): Promise<void>;
  /** True when `error` means another connection holds the lock and the transaction may be retried. */
  isLockBusy(error: unknown): boolean;
  /** True when `error` means the database gave up waiting for the lock. */
  isLockTimeout(error: unknown): boolean;
}

/** Collects the codes and messages of an error and its causes (Prisma nests driver errors). */
export function errorTexts(error: unknown, depth = 0): string[] {
  if (typeof error !== "object" || error === null || depth > 4) return [];
  const texts: string[] = [];
  for (const key of ["code", "originalCode", "message", "originalMessage", "kind"]) {
    const value = Reflect.get(error, key);
    if (typeof value === "string") texts.push(value);
  }
  const meta = Reflect.get(error, "meta");
  const nested = [Reflect.get(error, "cause"), meta, field(meta, "driverAdapterError")];
  for (const inner of nested) texts.push(...errorTexts(inner, depth + 1));
  return texts;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}
