#!/usr/bin/env node
/**
 * `npm run generate`: generates both Prisma clients from prisma/schema.prisma:
 * src/generated/postgresql from the schema itself and src/generated/sqlite from the derived
 * SQLite schema (written to the gitignored .generated/schema.sqlite.prisma).
 *
 * `prisma generate` never runs the native schema engine, but the CLI tries to download it
 * unless PRISMA_SCHEMA_ENGINE_BINARY names an existing file; that is set here so generation
 * works offline and on a fresh clone.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { PACKAGE_DIR, SCHEMA_PATH, writeSqliteSchema } from "./schemas.mjs";

const require = createRequire(import.meta.url);

/** A file that exists on every machine, to satisfy the CLI's engine check. */
function placeholderEngine() {
  const fromEnv = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return process.execPath;
}

/** Runs `prisma generate` for one schema file; throws when it fails. */
export function generate(schemaPath) {
  const cli = require.resolve("prisma/build/index.js");
  const result = spawnSync(
    process.execPath,
    [cli, "generate", "--schema", schemaPath, "--no-hints"],
    {
      cwd: PACKAGE_DIR,
      stdio: "inherit",
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: placeholderEngine(),
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
    },
  );
  if (result.status !== 0) {
    throw new Error(
      `[ratchet] [prisma] prisma generate failed for ${schemaPath} (exit ${result.status ?? result.signal})`,
    );
  }
}

/** Generates the PostgreSQL and the SQLite client. */
export function generateAll() {
  generate(SCHEMA_PATH);
  generate(writeSqliteSchema());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  generateAll();
}
