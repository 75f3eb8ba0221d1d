/** Types of schemas.mjs (paths, and the SQLite schema derivation). */
import type { DatabaseProvider } from "../src/provider.js";

/** The package directory (packages/prisma). */
export const PACKAGE_DIR: string;
/** The repository root. */
export const REPO_ROOT: string;
/** The source-of-truth schema, written for PostgreSQL. */
export const SCHEMA_PATH: string;
/** Directory of the committed migrations; one sub-directory per provider. */
export const MIGRATIONS_DIR: string;
/** The gitignored directory derived schemas are written to. */
export const DERIVED_DIR: string;
/** Directory of the generated Prisma clients (gitignored). */
export const GENERATED_DIR: string;
/** The TypeScript module embedding the migrations. */
export const EMBEDDED_PATH: string;
/** The providers Ratchet ships migrations for, in a stable order. */
export const PROVIDERS: readonly ["postgresql", "sqlite"];
/** Directory of one provider's committed migrations. */
export function migrationsDir(provider: DatabaseProvider): string;
/** Reads the source-of-truth schema. */
export function readSchema(): string;
/** Derives the SQLite schema from the PostgreSQL one (see schemas.mjs). */
export function deriveSqliteSchema(text: string, schemaDir?: string): string;
/** The schema text of each provider. */
export function schemasByProvider(): Record<DatabaseProvider, string>;
/** Writes the derived SQLite schema; returns its path. */
export function writeSqliteSchema(): string;
