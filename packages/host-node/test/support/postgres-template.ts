/**
 * Global setup: one migrated PostgreSQL database per test run, which `migratedPostgresDatabase`
 * clones instead of each test file migrating a fresh one (`setupPostgresTemplate` of
 * `@ratchet/prisma/testing`).
 */
import { setupPostgresTemplate } from "@ratchet/prisma/testing";

export default setupPostgresTemplate;
