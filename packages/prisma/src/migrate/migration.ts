/**
 * Migrations: numbered SQL scripts per provider, generated from prisma/schema.prisma by
 * `npm run db:migration -w @ratchet/prisma -- <name>`, committed under
 * prisma/migrations/<provider>/NNNN_<name>.sql, and embedded in migrations.generated.ts
 * (`npm run db:embed`) so the migrator reads no files at run time.
 */

/** One migration: what the migrator applies and records. */
export interface Migration {
  /** File name without `.sql`, e.g. `0001_init`; ids sort in the order they apply. */
  readonly id: string;
  /** The SQL script (one or more statements). */
  readonly sql: string;
  /** SHA-256 of `sql` (hex); an applied migration whose checksum changed is refused. */
  readonly checksum: string;
}

/** The bookkeeping table: one row (`id`, `checksum`, `applied_at`) per applied migration. */
export const MIGRATIONS_TABLE = "ratchet_migrations";

/** Migration ids: four digits, an underscore, a snake_case name. */
export const MIGRATION_ID_PATTERN = /^\d{4}_[a-z0-9_]+$/;
