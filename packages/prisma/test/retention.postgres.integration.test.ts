/** runs.purge through the kernel on the real PostgreSQL server. */
import { registerRetentionSuite } from "./support/retention-suite.js";

registerRetentionSuite("postgresql");
