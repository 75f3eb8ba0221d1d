/**
 * `@ratchet/prisma`: Ratchet's storage on SQLite (the embedded default) and PostgreSQL (the
 * scale-out path), through Prisma 7 driver adapters.
 *
 * - `createSqliteStack({ file })` / `createPostgresStack({ url })`: every storage port for
 *   `createKernel`, migrated and ready.
 * - `createPrismaPersistence`, `createPrismaJobQueue`, `createPrismaScheduler`,
 *   `createPrismaBlobStore`: the ports one by one, over a Prisma client you create;
 *   `createPrismaRunQueries`: the read-side queries tools list and show runs with (also the
 *   stacks' `queries`).
 * - `migrate(prisma)`: applies the bundled migrations (idempotent; concurrent starters
 *   serialise).
 */
export { createPrismaBlobStore } from "./blob-store/index.js";
export {
  createPostgresClient,
  createSqliteClient,
  type PostgresClientOptions,
  type PostgresPrismaClient,
  type SqliteClientOptions,
  type SqlitePrismaClient,
} from "./clients/index.js";
export type { PostgresSessionOptions } from "./clients/postgres-session.js";
export {
  type ClockSample,
  DatabaseClock,
  type DatabaseClockOptions,
  type ServerTimeReader,
  serverTimeOf,
} from "./clock/database-clock.js";
export {
  isPrismaErrorCode,
  PRISMA_ERROR_CODES,
  type PrismaErrorCode,
} from "./error-codes.js";
export { createPrismaJobQueue } from "./job-transport/index.js";
export { MIGRATIONS, MigrationError, type MigrationErrorCode, migrate } from "./migrate/index.js";
export { createPrismaPersistence } from "./persistence/index.js";
export type { DatabaseProvider } from "./provider.js";
export { createPrismaRunQueries } from "./run-queries/index.js";
export { createPrismaScheduler } from "./scheduler/index.js";
export type { PrismaAdapterOptions } from "./sql/prisma-executor.js";
export type { RawClient, RawRootClient } from "./sql/raw-client.js";
export { type ColumnRef, CorruptRowError } from "./sql/rows.js";
export {
  type DatabaseStall,
  DatabaseStalledError,
  describeStall,
  type StallLimit,
  type StallReporter,
} from "./sql/stall.js";
export { WAKEUP_CHANNEL, type WakeupKind, type WakeupSource } from "./sql/wakeups.js";
export { createPostgresStack, type PostgresStackOptions } from "./stacks/postgres.js";
export type { PostgresStallOptions } from "./stacks/postgres-stalls.js";
export { createSqliteStack, type SqliteStackOptions } from "./stacks/sqlite.js";
export type { PrismaStack } from "./stacks/stack.js";
