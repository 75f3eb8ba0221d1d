/** Run-end notices and awaitRunResult on SQLite. */
import { registerRunEnds } from "./support/run-ends-suite.js";

registerRunEnds("sqlite");
