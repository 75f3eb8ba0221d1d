/** Every step type and policy, on the real PostgreSQL server. */
import { registerWorkflowConformance } from "./support/workflow-conformance.js";

registerWorkflowConformance("postgresql");
