/**
 * The migrator's errors: a {@link RatchetError} with one of the stable
 * {@link MigrationErrorCode}s and, when one is involved, the migration's id.
 */
import { RatchetError } from "@ratchet/kernel/adapter";

/** Stable codes of {@link MigrationError}. */
export type MigrationErrorCode =
  /** An applied migration's checksum differs from this package's copy (the file was edited). */
  | "MIGRATION_CHECKSUM_MISMATCH"
  /** The database holds a migration this package does not know (it is older than the database). */
  | "MIGRATION_UNKNOWN"
  /** A migration's SQL failed; its transaction was rolled back. */
  | "MIGRATION_FAILED"
  /** Another process held the migration lock for longer than `lockTimeoutMs`. */
  | "MIGRATION_LOCK_TIMEOUT"
  /** The client's database provider could not be determined or is not supported. */
  | "MIGRATION_PROVIDER_UNSUPPORTED"
  /** The list of migrations passed in is malformed (bad id, duplicate, wrong order). */
  | "MIGRATION_INVALID";

/** Options of {@link MigrationError}. */
export interface MigrationErrorOptions {
  /** The migration involved, if any. */
  migrationId?: string;
  cause?: unknown;
}

/** Raised by `migrate()`; nothing of the failing migration was committed. */
export class MigrationError extends RatchetError {
  /** The migration involved, if any. */
  readonly migrationId: string | undefined;

  constructor(code: MigrationErrorCode, message: string, options: MigrationErrorOptions = {}) {
    super(
      code,
      `[ratchet] [prisma] ${message}`,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.migrationId = options.migrationId;
  }

  /** The stable code (narrowed to the migrator's codes). */
  declare readonly code: MigrationErrorCode;

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.migrationId !== undefined) out.migrationId = this.migrationId;
    return out;
  }
}
