/**
 * The kernel's conformance suites on a real SQLite file, over ports built on a Prisma client
 * (`createPrismaPersistence(prisma)` …) instead of the stack's own better-sqlite3 connection.
 */
import { registerConformance } from "./support/conformance.js";

registerConformance("sqlite", "prisma client");
