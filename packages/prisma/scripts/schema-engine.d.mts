/** Types of schema-engine.mjs (the Wasm schema engine, run offline). */
import type { DatabaseProvider } from "../src/provider.js";

/** The server scratch PostgreSQL databases are created on. */
export const POSTGRES_SERVER_URL: string;
/** Instantiates the Wasm schema engine once per process. */
export function loadSchemaEngine(): Promise<unknown>;
/** True when a migration script holds no statement (only comments and blank lines). */
export function isEmptyMigration(sql: string): boolean;
/** Creates a scratch database, runs `fn(url)`, and drops it afterwards. */
export function withScratchPostgresDatabase<T>(
  fn: (url: string) => Promise<T>,
  serverUrl?: string,
): Promise<T>;
/** The SQL taking a database holding `migrations` to `schema`; `""` when there is none. */
export function diffMigrationsAgainstSchema(options: {
  provider: DatabaseProvider;
  schema: string;
  migrations: readonly string[];
  /** PostgreSQL only: an existing, empty database. */
  databaseUrl?: string;
}): Promise<string>;
