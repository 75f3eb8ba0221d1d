/**
 * Workflow registry: how the kernel finds a workflow by id.
 */
import { WorkflowDefinitionError } from "../errors.js";
import type { AnyWorkflow } from "./workflow.js";

/** Looks up workflows by id. Any object with `getWorkflow` will do. */
export interface WorkflowRegistry {
  getWorkflow(workflowId: string): AnyWorkflow | undefined;
}

/** A registry over a fixed list of workflows; rejects two workflows with one id. */
export function createRegistry(
  workflows: readonly AnyWorkflow[],
): WorkflowRegistry & { list(): AnyWorkflow[] } {
  const map = new Map<string, AnyWorkflow>();
  for (const workflow of workflows) {
    if (map.has(workflow.id)) {
      throw new WorkflowDefinitionError(
        "DUPLICATE_WORKFLOW_ID",
        `[ratchet] two workflows use the id "${workflow.id}"`,
        {
          workflowId: workflow.id,
        },
      );
    }
    map.set(workflow.id, workflow);
  }
  return { getWorkflow: (id) => map.get(id), list: () => [...map.values()] };
}
