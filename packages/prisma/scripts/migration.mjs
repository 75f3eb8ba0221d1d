#!/usr/bin/env node
/**
 * `npm run db:migration -- <name>`: writes the next migration of each provider,
 * prisma/migrations/<provider>/NNNN_<name>.sql, holding the SQL that takes a database with the
 * committed migrations applied to prisma/schema.prisma. A provider with no change gets no file.
 * Then regenerates src/migrate/migrations.generated.ts.
 *
 * PostgreSQL needs a server: a scratch database is created on RATCHET_TEST_DATABASE_URL's
 * server (default postgresql://postgres@127.0.0.1:5432/postgres) and dropped afterwards.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { readMigrations, writeEmbedded } from "./embed.mjs";
import {
  diffMigrationsAgainstSchema,
  POSTGRES_SERVER_URL,
  withScratchPostgresDatabase,
} from "./schema-engine.mjs";
import { migrationsDir, PROVIDERS, REPO_ROOT, schemasByProvider } from "./schemas.mjs";

/** Normalises a migration name to snake_case (`add-blob index` → `add_blob_index`). */
export function migrationName(raw) {
  const name = String(raw ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!name) throw new Error("[ratchet] [prisma] usage: npm run db:migration -- <name>");
  return name;
}

/** The SQL of the next migration of `provider` ("" when the schema needs none). */
export async function nextMigrationSql(provider) {
  const schema = schemasByProvider()[provider];
  const migrations = readMigrations(provider).map((migration) => migration.sql);
  if (provider === "postgresql") {
    return withScratchPostgresDatabase(
      (databaseUrl) => diffMigrationsAgainstSchema({ provider, schema, migrations, databaseUrl }),
      POSTGRES_SERVER_URL,
    );
  }
  return diffMigrationsAgainstSchema({ provider, schema, migrations });
}

/** Writes the next migration of every provider that needs one; returns the files written. */
export async function createMigration(rawName) {
  const name = migrationName(rawName);
  const written = [];
  for (const provider of PROVIDERS) {
    const sql = await nextMigrationSql(provider);
    if (sql === "") {
      console.log(`[ratchet] [prisma] ${provider}: schema unchanged, no migration`);
      continue;
    }
    const number = String(readMigrations(provider).length + 1).padStart(4, "0");
    const dir = migrationsDir(provider);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${number}_${name}.sql`);
    writeFileSync(file, sql.endsWith("\n") ? sql : `${sql}\n`);
    written.push(file);
    console.log(`[ratchet] [prisma] ${provider}: wrote ${relative(REPO_ROOT, file)}`);
  }
  writeEmbedded();
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createMigration(process.argv[2]).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
