/** The kernel's conformance suites on SQLite (a real temporary file), checked through raw SQL. */
import { registerConformance } from "./support/conformance.js";

registerConformance("sqlite");
