/**
 * Where the schema, the derived schemas and the committed migrations live, and how the SQLite
 * schema is derived from the PostgreSQL one. Shared by generate.mjs, migration.mjs, embed.mjs
 * and the schema-drift test.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package directory (packages/prisma). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root. */
export const REPO_ROOT = resolve(PACKAGE_DIR, "../..");
/** The source-of-truth schema, written for PostgreSQL. */
export const SCHEMA_PATH = join(REPO_ROOT, "prisma/schema.prisma");
/** Directory of the committed migrations; one sub-directory per provider. */
export const MIGRATIONS_DIR = join(REPO_ROOT, "prisma/migrations");
/** The gitignored directory derived schemas are written to. */
export const DERIVED_DIR = join(PACKAGE_DIR, ".generated");
/** Directory of the generated Prisma clients (gitignored). */
export const GENERATED_DIR = join(PACKAGE_DIR, "src/generated");
/** The TypeScript module embedding the migrations. */
export const EMBEDDED_PATH = join(PACKAGE_DIR, "src/migrate/migrations.generated.ts");

/** The providers Ratchet ships migrations for, in a stable order. */
export const PROVIDERS = /** @type {const} */ (["postgresql", "sqlite"]);

/** Directory of one provider's committed migrations. */
export function migrationsDir(provider) {
  return join(MIGRATIONS_DIR, provider);
}

/** Reads the source-of-truth schema. */
export function readSchema() {
  return readFileSync(SCHEMA_PATH, "utf8");
}

function toPosix(path) {
  return path.split("\\").join("/");
}

function replaceOnce(text, pattern, replacement, what) {
  if (!pattern.test(text)) {
    throw new Error(`[ratchet] [prisma] cannot derive the SQLite schema: no ${what} found`);
  }
  return text.replace(pattern, replacement);
}

/**
 * Derives the SQLite schema from the PostgreSQL one: the datasource provider becomes
 * `"sqlite"`, every `@db.*` native-type attribute is dropped, a `BigInt @id
 * @default(autoincrement())` becomes `Int` (only `INTEGER PRIMARY KEY` auto-increments in
 * SQLite, and SQLite integers are 64-bit anyway), an index's `where: raw(...)` (a partial
 * index) is dropped — the Wasm schema engine cannot describe a SQLite database holding one, so
 * SQLite keeps whole indexes — and the generator output points at `src/generated/sqlite`,
 * relative to `schemaDir` (the directory the derived schema is written to).
 */
export function deriveSqliteSchema(text, schemaDir = DERIVED_DIR) {
  let out = replaceOnce(
    text,
    /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"postgresql"/,
    '$1"sqlite"',
    'datasource with provider = "postgresql"',
  );
  out = out.replace(/[ \t]+@db\.\w+(\([^)]*\))?/g, "");
  out = out.replace(/\bBigInt(\s+@id\s+@default\(autoincrement\(\)\))/g, "Int   $1");
  out = out.replace(/,\s*where:\s*raw\("(?:[^"\\]|\\.)*"\)/g, "");
  const output = toPosix(relative(schemaDir, join(GENERATED_DIR, "sqlite")));
  out = replaceOnce(
    out,
    /(generator\s+\w+\s*\{[^}]*?output\s*=\s*)"[^"]*"/,
    `$1"${output}"`,
    "generator output",
  );
  return `// Generated from prisma/schema.prisma by packages/prisma/scripts/schemas.mjs. Do not edit.\n${out}`;
}

/** The schema text of each provider (the PostgreSQL one is the source of truth itself). */
export function schemasByProvider() {
  const text = readSchema();
  return { postgresql: text, sqlite: deriveSqliteSchema(text) };
}

/** Writes the derived SQLite schema to `.generated/schema.sqlite.prisma`; returns its path. */
export function writeSqliteSchema() {
  mkdirSync(DERIVED_DIR, { recursive: true });
  const path = join(DERIVED_DIR, "schema.sqlite.prisma");
  writeFileSync(path, deriveSqliteSchema(readSchema()));
  return path;
}
