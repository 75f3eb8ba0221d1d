/** The Node host end to end on the real PostgreSQL server. */
import { registerEndToEnd } from "./support/e2e-suite.js";

registerEndToEnd("postgresql");
