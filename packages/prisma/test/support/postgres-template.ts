/**
 * Global setup: one migrated PostgreSQL database per test run, which `useStack` clones instead of
 * migrating a fresh database in every test file (see `createMigratedPostgresTemplate`). When
 * PostgreSQL is out of reach it provides null, and the PostgreSQL files fail as they always did,
 * saying how to start it — the SQLite and D1 files do not need it.
 */
import type { TestProject } from "vitest/node";
import { createMigratedPostgresTemplate } from "../../src/testing/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database `useStack` clones, or null when PostgreSQL was out of reach. */
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await createMigratedPostgresTemplate();
  project.provide("postgresTemplate", template?.name ?? null);
  return async () => {
    await template?.drop();
  };
}
