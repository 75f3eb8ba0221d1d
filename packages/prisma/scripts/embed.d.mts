/** Types of embed.mjs (migrations.generated.ts from the committed SQL files). */
import type { DatabaseProvider } from "../src/provider.js";

/** A committed migration file. */
export interface MigrationFile {
  id: string;
  number: number;
  sql: string;
  checksum: string;
}
/** File names of migrations: NNNN_name.sql. */
export const MIGRATION_FILE: RegExp;
/** SHA-256 (hex) of a migration's SQL. */
export function checksum(sql: string): string;
/** The committed migrations of `provider`, in order. */
export function readMigrations(provider: DatabaseProvider): MigrationFile[];
/** The source of migrations.generated.ts for the committed migrations. */
export function renderEmbedded(): string;
/** Writes migrations.generated.ts; returns true when its content changed. */
export function writeEmbedded(): boolean;
