/**
 * The committed migrations must produce exactly prisma/schema.prisma, for both providers: the
 * migrations are applied to a scratch database and the Wasm schema engine diffs it against the
 * schema; the diff must be empty. If this fails, the schema was edited without a migration:
 * run `npm run db:migration -w @ratchet/prisma -- <name>`.
 *
 * Also checks src/migrate/migrations.generated.ts matches the SQL files (`npm run db:embed`).
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checksum, readMigrations, renderEmbedded } from "../scripts/embed.mjs";
import { diffMigrationsAgainstSchema } from "../scripts/schema-engine.mjs";
import {
  deriveSqliteSchema,
  EMBEDDED_PATH,
  PROVIDERS,
  readSchema,
  schemasByProvider,
} from "../scripts/schemas.mjs";
import { MIGRATIONS } from "../src/migrate/index.js";
import type { DatabaseProvider } from "../src/provider.js";
import { createPostgresDatabase, type TestDatabase } from "../src/testing/index.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createPostgresDatabase("schema_drift");
});

afterAll(async () => {
  await database?.drop();
});

/** Empties the PostgreSQL scratch database (the diff applies the migrations to it). */
async function emptyPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  } finally {
    await client.end();
  }
}

async function drift(provider: DatabaseProvider, schema: string): Promise<string> {
  const migrations = readMigrations(provider).map((migration) => migration.sql);
  if (provider === "postgresql") await emptyPostgres();
  return diffMigrationsAgainstSchema({ provider, schema, migrations, databaseUrl: database.url });
}

/** The schema with one more model: what "edited without generating a migration" looks like. */
function editedSchema(): string {
  return `${readSchema()}
model DriftProbe {
  id        String   @id
  createdAt DateTime @map("created_at") @db.Timestamptz(3)

  @@map("ratchet_drift_probe")
}
`;
}

describe("schema drift", () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: the committed migrations produce exactly prisma/schema.prisma`, async () => {
      expect(readMigrations(provider).length).toBeGreaterThan(0);
      expect(await drift(provider, schemasByProvider()[provider])).toBe("");
    });

    test(`${provider}: an edit without a migration is caught (the check can fail)`, async () => {
      const edited = provider === "sqlite" ? deriveSqliteSchema(editedSchema()) : editedSchema();
      const diff = await drift(provider, edited);
      expect(diff).toContain('CREATE TABLE "ratchet_drift_probe"');
    });
  }
});

describe("embedded migrations", () => {
  test("migrations.generated.ts is up to date with the SQL files (run `npm run db:embed`)", () => {
    expect(readFileSync(EMBEDDED_PATH, "utf8")).toBe(renderEmbedded());
  });

  for (const provider of PROVIDERS) {
    test(`${provider}: the embedded migrations are the SQL files, in order, with their SHA-256`, () => {
      const files = readMigrations(provider);
      expect(MIGRATIONS[provider]).toEqual(
        files.map(({ id, sql }) => ({ id, sql, checksum: checksum(sql) })),
      );
      for (const migration of MIGRATIONS[provider]) {
        expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
      }
    });
  }
});

describe("derived SQLite schema", () => {
  test("swaps the provider, drops @db attributes and points the client at src/generated/sqlite", () => {
    const sqlite = schemasByProvider().sqlite;
    expect(sqlite).toMatch(/datasource\s+\w+\s*\{[^}]*provider\s*=\s*"sqlite"/);
    expect(sqlite).not.toMatch(/[ \t]@db\.\w+/);
    expect(sqlite).toContain('output              = "../src/generated/sqlite"');
    expect(readSchema()).toMatch(/[ \t]@db\.Timestamptz/);
  });
});
