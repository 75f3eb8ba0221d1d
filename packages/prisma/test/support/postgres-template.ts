/**
 * Global setup: one migrated PostgreSQL database per test run, for `useStack` to clone
 * (`CREATE DATABASE … TEMPLATE`, ~0.3 s) instead of migrating a fresh database in every test
 * file (~1-2 s each on the 2-core machine, about 20 files). Nobody connects to it once it is
 * migrated; it is dropped at the end of the run. When PostgreSQL is out of reach it provides
 * null, and the PostgreSQL files fail as they always did, saying how to start it — the SQLite
 * and D1 files do not need it.
 */
import type { TestProject } from "vitest/node";
import { createPostgresStack } from "../../src/index.js";
import { createPostgresDatabase, type TestDatabase } from "../../src/testing/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database `useStack` clones, or null when PostgreSQL was out of reach. */
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
