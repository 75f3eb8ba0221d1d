/**
 * Global setup: one migrated PostgreSQL database per test run, which `migratedPostgresDatabase`
 * clones instead of each test file migrating a fresh one (see `createMigratedPostgresTemplate`
 * of `@ratchet/prisma/testing`). When PostgreSQL is out of reach it provides null, and the
 * PostgreSQL files fail as they always did, saying how to start it.
 */
import { createMigratedPostgresTemplate } from "@ratchet/prisma/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database to clone, or null when PostgreSQL was out of reach. */
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
