/**
 * The kernel's conformance suites on the real PostgreSQL server, over ports built on a Prisma
 * client (`createPrismaPersistence(prisma)` …) instead of the stack's own `pg` driver.
 */
import { registerConformance } from "./support/conformance.js";

registerConformance("postgresql", "prisma client");
