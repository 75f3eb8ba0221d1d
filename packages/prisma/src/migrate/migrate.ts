/**
 * `migrate()`: brings a database up to date with this package's embedded migrations.
 *
 * - The bookkeeping table `ratchet_migrations` (id, checksum, applied_at) is created if missing.
 * - Each pending migration is applied in its own transaction together with its bookkeeping row,
 *   so a failing migration leaves neither its changes nor its row behind.
 * - Every transaction first takes the migration lock (PostgreSQL: an advisory transaction lock;
 *   SQLite: the write lock), so concurrent migrators serialise and each migration is applied
 *   exactly once; a migrator that waited finds the work done and applies nothing.
 * - Before applying anything, the applied history is checked: an edited migration
 *   (`MIGRATION_CHECKSUM_MISMATCH`) or one this package does not know (`MIGRATION_UNKNOWN`)
 *   stops the migrator with nothing changed.
 * - Running it again applies nothing.
 */
import { type DatabaseProvider, detectProvider } from "../provider.js";
import type { MigrationClient, MigrationQueryable } from "./client.js";
import type { MigrationDialect } from "./dialect.js";
import { MigrationError } from "./errors.js";
import { assertValidMigrations, toAppliedMigration, verifyHistory } from "./history.js";
import { MIGRATIONS_TABLE, type Migration } from "./migration.js";
import { MIGRATIONS } from "./migrations.generated.js";
import { postgresDialect } from "./postgres-dialect.js";
import { sqliteDialect } from "./sqlite-dialect.js";

/** Default of {@link MigrateOptions.lockTimeoutMs}. */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 60_000;
/** Default of {@link MigrateOptions.transactionTimeoutMs}. */
export const DEFAULT_MIGRATION_TRANSACTION_TIMEOUT_MS = 600_000;

/** First and longest pause between attempts to take a busy SQLite lock (ms). */
const RETRY_DELAY_MS = { first: 5, max: 250 } as const;

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The client's database; detected from the client when omitted. */
  provider?: DatabaseProvider;
  /** Receives one line per step (`[ratchet] [prisma] …`). */
  log?: (message: string) => void;
  /** The migrations to apply (default: this package's, for the provider). */
  migrations?: readonly Migration[];
  /** How long to wait for another migrator's lock before `MIGRATION_LOCK_TIMEOUT` (ms). */
  lockTimeoutMs?: number;
  /** How long one migration's transaction may run, lock wait included (ms). */
  transactionTimeoutMs?: number;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already applied (earlier, or by a concurrent migrator). */
  alreadyApplied: string[];
}

const DIALECTS: Record<DatabaseProvider, MigrationDialect> = {
  postgresql: postgresDialect,
  sqlite: sqliteDialect,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isTransactionStartTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message.includes("Unable to start a transaction in the given time")
  );
}

/**
 * Applies the pending migrations to the database behind `prisma` (a Prisma client of either
 * generated flavour); see the module documentation for the guarantees.
 *
 * @throws {MigrationError} `MIGRATION_CHECKSUM_MISMATCH`, `MIGRATION_UNKNOWN`, `MIGRATION_FAILED`,
 *   `MIGRATION_LOCK_TIMEOUT`, `MIGRATION_PROVIDER_UNSUPPORTED` or `MIGRATION_INVALID`.
 */
export async function migrate(
  prisma: MigrationClient,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const provider = options.provider ?? detectProvider(prisma);
  if (provider === undefined || !(provider in DIALECTS)) {
    throw new MigrationError(
      "MIGRATION_PROVIDER_UNSUPPORTED",
      `cannot tell the client's database (got ${JSON.stringify(provider)}); pass { provider: "postgresql" | "sqlite" }`,
    );
  }
  const dialect = DIALECTS[provider];
  const migrations = options.migrations ?? MIGRATIONS[provider];
  assertValidMigrations(migrations);
  const log = (message: string) => options.log?.(`[ratchet] [prisma] ${provider}: ${message}`);
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const transactionTimeoutMs =
    options.transactionTimeoutMs ?? DEFAULT_MIGRATION_TRANSACTION_TIMEOUT_MS;

  const applied: string[] = [];
  const restore = await dialect.setUp(prisma);
  try {
    for (;;) {
      const id = await withLockRetry(dialect, lockTimeoutMs, log, (remainingMs) =>
        prisma.$transaction((tx) => applyNext(dialect, tx, migrations, remainingMs, log), {
          maxWait: remainingMs,
          timeout: transactionTimeoutMs,
        }),
      );
      if (id === undefined) break;
      applied.push(id);
    }
  } finally {
    await restore();
  }
  const appliedNow = new Set(applied);
  const alreadyApplied = migrations
    .map((migration) => migration.id)
    .filter((id) => !appliedNow.has(id));
  log(`up to date (${applied.length} applied, ${alreadyApplied.length} already applied)`);
  return { applied, alreadyApplied };
}

/** One transaction: lock, check the history, apply and record the next pending migration. */
async function applyNext(
  dialect: MigrationDialect,
  tx: MigrationQueryable,
  migrations: readonly Migration[],
  lockTimeoutMs: number,
  log: (message: string) => void,
): Promise<string | undefined> {
  await dialect.lock(tx, lockTimeoutMs);
  const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT "id", "checksum" FROM "${MIGRATIONS_TABLE}"`,
  );
  const history = rows.map(toAppliedMigration);
  verifyHistory(history, migrations);
  const done = new Set(history.map((row) => row.id));
  const next = migrations.find((migration) => !done.has(migration.id));
  if (next === undefined) return undefined;
  log(`applying ${next.id}`);
  const started = Date.now();
  try {
    await dialect.execute(tx, next.sql);
    await dialect.record(tx, next);
  } catch (error) {
    throw new MigrationError(
      "MIGRATION_FAILED",
      `migration ${next.id} failed and was rolled back: ${String(error instanceof Error ? error.message : error).trim()}`,
      {
        migrationId: next.id,
        cause: error,
      },
    );
  }
  log(`applied ${next.id} in ${Date.now() - started} ms`);
  return next.id;
}

/**
 * Runs `attempt` until it does not fail on a busy lock; waits with a growing pause and gives up
 * with `MIGRATION_LOCK_TIMEOUT` after `lockTimeoutMs`.
 */
async function withLockRetry<T>(
  dialect: MigrationDialect,
  lockTimeoutMs: number,
  log: (message: string) => void,
  attempt: (remainingMs: number) => PromiseLike<T>,
): Promise<T> {
  const deadline = Date.now() + lockTimeoutMs;
  let delay: number = RETRY_DELAY_MS.first;
  for (let tries = 1; ; tries++) {
    const remainingMs = Math.max(1, deadline - Date.now());
    try {
      return await attempt(remainingMs);
    } catch (error) {
      const timedOut = dialect.isLockTimeout(error) || isTransactionStartTimeout(error);
      const busy = !timedOut && dialect.isLockBusy(error);
      const leftMs = deadline - Date.now();
      if (timedOut || (busy && leftMs <= 0)) {
        throw new MigrationError(
          "MIGRATION_LOCK_TIMEOUT",
          `another migrator held the migration lock for more than ${lockTimeoutMs} ms`,
          { cause: error },
        );
      }
      if (!busy) throw error;
      if (tries === 1) log("database busy (another migrator?), waiting for the lock");
      // Jittered, so two waiting migrators do not retry in lockstep; the last try is at the deadline.
      await sleep(Math.min(leftMs, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, RETRY_DELAY_MS.max);
    }
  }
}
