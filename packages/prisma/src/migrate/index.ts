/** The migrator and its embedded migrations. */
export type { MigrationClient, MigrationQueryable, MigrationTransactionOptions } from "./client.js";
export { MigrationError, type MigrationErrorCode, type MigrationErrorOptions } from "./errors.js";
export {
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  DEFAULT_MIGRATION_TRANSACTION_TIMEOUT_MS,
  type MigrateOptions,
  type MigrateResult,
  migrate,
} from "./migrate.js";
export { MIGRATIONS_TABLE, type Migration } from "./migration.js";
export { MIGRATIONS } from "./migrations.generated.js";
export { POSTGRES_MIGRATION_LOCK_KEY } from "./postgres-dialect.js";
export { splitSqlStatements } from "./statements.js";
