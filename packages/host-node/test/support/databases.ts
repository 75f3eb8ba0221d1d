/**
 * A fresh, already migrated PostgreSQL database for a test file: a copy of the run's migrated
 * template (test/support/postgres-template.ts). Stacks and workers opened on it find every
 * migration applied. Without a template (PostgreSQL was out of reach at setup) it is a fresh
 * database, which fails with how to start PostgreSQL, or is migrated by the first stack.
 */
import { randomBytes } from "node:crypto";
import {
  createPostgresDatabase,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
} from "@ratchet/prisma/testing";
import pg from "pg";
import { inject } from "vitest";

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function migratedPostgresDatabase(label: string): Promise<TestDatabase> {
  const template = inject("postgresTemplate");
  if (!template) return createPostgresDatabase(label);
  const name = `ratchet_test_${label
    .replace(/[^a-z0-9]/gi, "_")
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  await onServer(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
