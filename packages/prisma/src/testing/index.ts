/**
 * `@ratchet/prisma/testing`: real databases for tests — a fresh PostgreSQL database per test
 * file (created on RATCHET_TEST_DATABASE_URL's server, empty or copied from a migrated template
 * made once per run, and dropped afterwards) and temporary
 * SQLite files, and a fault-injection TCP proxy to put between a client and PostgreSQL. Nothing
 * here skips: an unreachable server fails the test with how to fix it.
 */
export {
  type CreatePostgresDatabaseOptions,
  createPostgresDatabase,
  createSqliteFile,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
} from "./databases.js";
export {
  type FaultDirection,
  type FaultMode,
  type FaultProxy,
  type FaultProxyStats,
  startFaultProxy,
} from "./fault-proxy.js";
export {
  createMigratedPostgresTemplate,
  setupPostgresTemplate,
  type TemplateProvider,
} from "./postgres-template.js";
