/**
 * Prisma's schema engine, run offline: the Wasm build from `@prisma/schema-engine-wasm` on a
 * driver adapter (see shared/notes/prisma-offline.md). Used to produce migration SQL and to
 * check that the committed migrations still match the schema.
 *
 * "What the committed migrations produce" is computed on a scratch database: the migrations are
 * applied to an in-memory SQLite database or to an empty PostgreSQL database, and the engine
 * diffs that live database against the schema. (The engine's own `migrations` source does not
 * work here: it applies each file with one driver call, which better-sqlite3 refuses for
 * multi-statement files, and adapter-pg's shadow database silently reuses the main database
 * when configured from a connection string.)
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

const require = createRequire(import.meta.url);

/** The server scratch PostgreSQL databases are created on (same variable as the tests). */
export const POSTGRES_SERVER_URL =
  process.env.RATCHET_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

const NO_FILTERS = { externalTables: [], externalEnums: [] };

let loaded;

/** Instantiates the Wasm schema engine once per process (Node 20 cannot import .wasm). */
export function loadSchemaEngine() {
  loaded ??= (async () => {
    const wasmPath = require
      .resolve("@prisma/schema-engine-wasm/schema_engine_bg")
      .replace(/\.js$/, ".wasm");
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
      "./schema_engine_bg.js": glue,
    });
    glue.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start?.();
    return glue;
  })();
  return loaded;
}

/**
 * A `pg.Pool` whose results report the catalog type `"char"` (OID 18) as `text`: adapter-pg
 * cannot map `"char"` columns, and the engine's PostgreSQL introspection selects some. It also
 * leaves constraint triggers (`pg_constraint` rows of type `t`, e.g. the deferred run-end
 * trigger of migration 0018) out of the engine's constraint query: the engine reads only check
 * and exclusion constraints from it and panics on any other type it is handed as text
 * (prisma/orm#29635); a trigger is no part of the Prisma schema either way.
 */
class CatalogPool extends pg.Pool {
  async query(...args) {
    const result = await super.query(...args);
    for (const field of result?.fields ?? []) {
      if (field.dataTypeID === 18) field.dataTypeID = 25;
    }
    const type = result?.fields?.findIndex((field) => field.name === "constraint_type") ?? -1;
    if (type >= 0 && Array.isArray(result.rows)) {
      // adapter-pg reads rows as arrays; a plain query as objects.
      const of = (row) => (Array.isArray(row) ? row[type] : row.constraint_type);
      result.rows = result.rows.filter((row) => of(row) !== "t");
      result.rowCount = result.rows.length;
    }
    return result;
  }
}

/** True when a migration script holds no statement (only comments and blank lines). */
export function isEmptyMigration(sql) {
  return sql
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));
}

async function withEngine(schema, adapterFactory, fn) {
  const { SchemaEngine } = await loadSchemaEngine();
  const engine = await SchemaEngine.new(
    { datamodels: [["schema.prisma", schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
  try {
    return await fn(engine, [{ path: "schema.prisma", content: schema }]);
  } finally {
    engine.free();
  }
}

/** Diffs the database behind `adapterFactory` against `schema`; returns the SQL script. */
async function diffLiveDatabase(schema, adapterFactory) {
  return withEngine(schema, adapterFactory, async (engine, files) => {
    const result = await engine.diff({
      from: { tag: "schemaDatasource", files, configDir: tmpdir() },
      to: { tag: "schemaDatamodel", files },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return result.stdout;
  });
}

/** An SQLite adapter factory on a fresh in-memory database with `migrations` applied. */
function sqliteScratch(migrations) {
  const inner = new PrismaBetterSqlite3({ url: ":memory:" });
  const prepare = async (adapter) => {
    // executeScript is better-sqlite3's exec(): several statements in one call.
    for (const sql of migrations) await adapter.executeScript(sql);
    return adapter;
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => prepare(await inner.connect()),
    connectToShadowDb: async () => inner.connectToShadowDb(),
  };
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withPgClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a scratch database on `serverUrl`'s server, runs `fn(url)`, and drops it afterwards.
 */
export async function withScratchPostgresDatabase(fn, serverUrl = POSTGRES_SERVER_URL) {
  const name = `ratchet_scratch_${randomBytes(6).toString("hex")}`;
  await withPgClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  try {
    return await fn(withDatabase(serverUrl, name));
  } finally {
    await withPgClient(serverUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  }
}

/**
 * The SQL that takes a database holding exactly `migrations` (SQL texts, in order) to `schema`
 * (the schema text for `provider`). Returns `""` when there is nothing to change.
 *
 * SQLite runs on an in-memory scratch database. PostgreSQL needs `databaseUrl`, an existing
 * EMPTY database the migrations are applied to (see {@link withScratchPostgresDatabase}).
 */
export async function diffMigrationsAgainstSchema({ provider, schema, migrations, databaseUrl }) {
  let script;
  if (provider === "sqlite") {
    script = await diffLiveDatabase(schema, sqliteScratch(migrations));
  } else if (provider === "postgresql") {
    if (!databaseUrl) {
      throw new Error("[ratchet] [prisma] diffMigrationsAgainstSchema: databaseUrl is required");
    }
    await withPgClient(databaseUrl, async (client) => {
      // No parameters: pg uses the simple protocol, which runs several statements at once.
      for (const sql of migrations) await client.query(sql);
    });
    const pool = new CatalogPool({ connectionString: databaseUrl, max: 2 });
    try {
      script = await diffLiveDatabase(schema, new PrismaPg(pool));
    } finally {
      await pool.end();
    }
  } else {
    throw new Error(`[ratchet] [prisma] unknown provider ${JSON.stringify(provider)}`);
  }
  return isEmptyMigration(script) ? "" : script;
}
