/** Full workflows through the kernel's driver on the real PostgreSQL server. */
import { registerWorkflowSuite } from "./support/workflow-suite.js";

registerWorkflowSuite("postgresql");
