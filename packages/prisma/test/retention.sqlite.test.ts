/** runs.purge through the kernel on SQLite (a real temporary file). */
import { registerRetentionSuite } from "./support/retention-suite.js";

registerRetentionSuite("sqlite");
