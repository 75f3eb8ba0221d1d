/**
 * Global setup: one migrated PostgreSQL database per test run, for `migratedPostgresDatabase`
 * to clone (`CREATE DATABASE … TEMPLATE`, ~0.3 s) instead of each test file migrating a fresh
 * database (~1-2 s on the 2-core machine). Nobody connects to it once it is migrated; it is
 * dropped at the end of the run. When PostgreSQL is out of reach it provides null, and the
 * PostgreSQL files fail as they always did, saying how to start it.
 */
import { createPostgresStack } from "@ratchet/prisma";
import { createPostgresDatabase, type TestDatabase } from "@ratchet/prisma/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database to clone, or null when PostgreSQL was out of reach. */
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let template: TestDatabase | undefined;
  try {
    template = await createPostgresDatabase("template");
    const stack = await createPostgresStack({ url: template.url });
    await stack.close();
  } catch {
    await template?.drop().catch(() => {});
    template = undefined;
  }
  project.provide("postgresTemplate", template?.name ?? null);
  return async () => {
    await template?.drop();
  };
}
