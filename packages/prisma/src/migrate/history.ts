/**
 * The migration history: checking a list of migrations is well formed, and checking what a
 * database has applied against it before anything new is applied.
 */
import { MigrationError } from "./errors.js";
import { MIGRATION_ID_PATTERN, type Migration } from "./migration.js";

/** A row of the bookkeeping table. */
export interface AppliedMigration {
  id: string;
  checksum: string;
}

const CHECKSUM_PATTERN = /^[0-9a-f]{64}$/;

/** Throws `MIGRATION_INVALID` unless ids are well formed and strictly increasing, checksums SHA-256. */
export function assertValidMigrations(migrations: readonly Migration[]): void {
  let previous = "";
  for (const migration of migrations) {
    if (!MIGRATION_ID_PATTERN.test(migration.id)) {
      throw new MigrationError(
        "MIGRATION_INVALID",
        `bad migration id ${JSON.stringify(migration.id)}`,
        {
          migrationId: migration.id,
        },
      );
    }
    if (migration.id <= previous) {
      throw new MigrationError(
        "MIGRATION_INVALID",
        `migration ${migration.id} is out of order or duplicated (after ${previous})`,
        { migrationId: migration.id },
      );
    }
    if (!CHECKSUM_PATTERN.test(migration.checksum)) {
      throw new MigrationError(
        "MIGRATION_INVALID",
        `migration ${migration.id} has no SHA-256 checksum`,
        {
          migrationId: migration.id,
        },
      );
    }
    previous = migration.id;
  }
}

/**
 * Throws `MIGRATION_UNKNOWN` when the database has applied a migration that is not in `known`
 * (the database was migrated by a newer version), and `MIGRATION_CHECKSUM_MISMATCH` when an
 * applied migration's checksum differs from the known one (a committed migration was edited).
 */
export function verifyHistory(
  applied: readonly AppliedMigration[],
  known: readonly Migration[],
): void {
  const byId = new Map(known.map((migration) => [migration.id, migration]));
  const newestKnown = known.at(-1)?.id ?? "none";
  for (const row of [...applied].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const migration = byId.get(row.id);
    if (migration === undefined) {
      throw new MigrationError(
        "MIGRATION_UNKNOWN",
        `the database has applied migration ${row.id}, which this version does not know (newest known: ${newestKnown}); upgrade @ratchet/prisma or use the database it belongs to`,
        { migrationId: row.id },
      );
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        "MIGRATION_CHECKSUM_MISMATCH",
        `migration ${row.id} was applied with checksum ${row.checksum}, but this version's copy has ${migration.checksum}; applied migrations must not be edited (add a new migration instead)`,
        { migrationId: row.id },
      );
    }
  }
}

/** Reads a bookkeeping row returned by a raw query (drivers differ in value types). */
export function toAppliedMigration(row: Record<string, unknown>): AppliedMigration {
  return { id: String(row.id), checksum: String(row.checksum) };
}
