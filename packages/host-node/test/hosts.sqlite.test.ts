/** The Node host end to end on SQLite (a real temporary file). */
import { registerEndToEnd } from "./support/e2e-suite.js";

registerEndToEnd("sqlite");
