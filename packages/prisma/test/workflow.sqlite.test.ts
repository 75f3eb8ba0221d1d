/** Full workflows through the kernel's driver on SQLite (a real temporary file). */
import { registerWorkflowSuite } from "./support/workflow-suite.js";

registerWorkflowSuite("sqlite");
