/**
 * `@ratchet/prisma/d1`: Ratchet's storage on Cloudflare D1, for Workers. This entry point
 * imports no Node built-in, no Prisma client and no native driver (the bundle is checked by
 * test/d1-bundle.test.ts), so a Worker bundles it as is.
 *
 * - `createD1Stack({ database: env.DB })`: every storage port for `createKernel`, migrated.
 * - `migrateD1(database)`: the embedded SQLite migrations plus the undo journal, alone.
 *
 * D1 has no interactive transactions; how Ratchet's transactions stay atomic and isolated on
 * it is in docs/adr/0008-d1-transactions.md.
 */

import { type MigrateD1Options, migrateD1 as migrateSession } from "./migrate/d1.js";
import type { MigrateResult } from "./migrate/migrate.js";
import { type D1Database, D1Session } from "./sql/drivers/d1.js";

export type { MigrateD1Options } from "./migrate/d1.js";
export type { MigrateResult } from "./migrate/migrate.js";
export { D1LockLostError, D1LockTimeoutError } from "./sql/d1-lock.js";
export type {
  D1Database,
  D1PreparedStatement,
  D1Result,
} from "./sql/drivers/d1.js";
export { createD1Stack, type D1Stack, type D1StackOptions } from "./stacks/d1.js";

/**
 * Applies the pending migrations to a D1 database and creates the undo journal Ratchet's
 * transactions on D1 need (`createD1Stack` does this unless `migrate: false`).
 */
export function migrateD1(
  database: D1Database,
  options: MigrateD1Options = {},
): Promise<MigrateResult> {
  return migrateSession(new D1Session(database), options);
}
