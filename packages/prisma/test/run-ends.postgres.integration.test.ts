/** Run-end notices (LISTEN/NOTIFY) and awaitRunResult on PostgreSQL. */
import { registerRunEnds } from "./support/run-ends-suite.js";

registerRunEnds("postgresql");
