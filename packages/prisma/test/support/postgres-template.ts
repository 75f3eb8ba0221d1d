/**
 * Global setup: one migrated PostgreSQL database per test run, which `useStack` clones instead
 * of migrating a fresh database in every test file (`setupPostgresTemplate`). When PostgreSQL is
 * out of reach it provides null, and the PostgreSQL files fail as they always did, saying how to
 * start it — the SQLite and D1 files do not need it.
 */
import { setupPostgresTemplate } from "../../src/testing/index.js";

export default setupPostgresTemplate;
