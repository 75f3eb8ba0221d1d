/**
 * A fresh, already migrated PostgreSQL database for a test file: a copy of the run's migrated
 * template (test/support/postgres-template.ts). Stacks and workers opened on it find every
 * migration applied. Without a template (PostgreSQL was out of reach at setup) it is a fresh
 * database, which fails with how to start PostgreSQL, or is migrated by the first stack.
 */
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's migrated database to clone (test/support/postgres-template.ts), or null. */
    postgresTemplate: string | null;
  }
}

/** A copy of the run's migrated template, named after `label`. */
export function migratedPostgresDatabase(label: string): Promise<TestDatabase> {
  return createPostgresDatabase(label, { template: inject("postgresTemplate") });
}
