/** Every step type and policy, on SQLite (a real temporary file). */
import { registerWorkflowConformance } from "./support/workflow-conformance.js";

registerWorkflowConformance("sqlite");
