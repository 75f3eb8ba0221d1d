/**
 * One migrated PostgreSQL database for a whole test run to copy: `CREATE DATABASE … TEMPLATE`
 * takes ~0.3 s where migrating a fresh database takes 1–2 s on a small machine. A test run's
 * global setup makes it, test files clone it with `createPostgresDatabase(label, { template })`,
 * and the setup drops it at the end. Nobody may stay connected to it (PostgreSQL refuses to copy
 * a database in use), so it is closed as soon as it is migrated.
 */
import { createPostgresStack } from "../stacks/postgres.js";
import { createPostgresDatabase, type TestDatabase } from "./databases.js";

/**
 * Creates and migrates the template; `null` when PostgreSQL is out of reach (test files then
 * create their own databases, which fail with how to start it).
 */
export async function createMigratedPostgresTemplate(): Promise<TestDatabase | null> {
  let template: TestDatabase | undefined;
  try {
    template = await createPostgresDatabase("template");
    const stack = await createPostgresStack({ url: template.url });
    await stack.close();
    return template;
  } catch {
    await template?.drop().catch(() => {});
    return null;
  }
}

/** What {@link setupPostgresTemplate} needs of vitest's `TestProject`. */
export interface TemplateProvider {
  provide(key: "postgresTemplate", value: string | null): void;
}

/**
 * A vitest global setup: makes the template, provides its name as `postgresTemplate` (null when
 * PostgreSQL is out of reach) and returns the teardown that drops it. Test files clone it with
 * `createPostgresDatabase(label, { template: inject("postgresTemplate") })`.
 */
export async function setupPostgresTemplate(
  project: TemplateProvider,
): Promise<() => Promise<void>> {
  const template = await createMigratedPostgresTemplate();
  project.provide("postgresTemplate", template?.name ?? null);
  return async () => {
    await template?.drop();
  };
}
