/** The kernel's conformance suites on the real PostgreSQL server, checked through raw SQL. */
import { registerConformance } from "./support/conformance.js";

registerConformance("postgresql");
