/**
 * The workflows page: each registered workflow with its stage groups and Mermaid graph, and
 * the schedules.
 */
import { type AnyWorkflow, type ScheduleView, workflowMermaid } from "@ratchet/kernel";

/** A workflow as the page shows it. */
export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  version: string;
  fingerprint: string;
  groups: string[][];
  /** The Mermaid `flowchart` text of its stage graph. */
  mermaid: string;
}

/** The workflows page's data. */
export interface WorkflowsView {
  workflows: WorkflowSummary[];
  schedules: readonly ScheduleView[];
  /** Why the schedules could not be read, when they could not. */
  schedulesError: string | null;
}

/** A workflow's summary with its graph. */
export function workflowSummary(workflow: AnyWorkflow): WorkflowSummary {
  return {
    id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    version: workflow.version,
    fingerprint: workflow.fingerprint,
    groups: workflow.groups.map((g) => g.map((s) => s.id)),
    mermaid: workflowMermaid(workflow),
  };
}

/** Reads the workflows page's data. */
export async function loadWorkflowsView(
  workflows: readonly AnyWorkflow[],
  schedules: () => Promise<readonly ScheduleView[]>,
): Promise<WorkflowsView> {
  let list: readonly ScheduleView[] = [];
  let schedulesError: string | null = null;
  try {
    list = await schedules();
  } catch (error) {
    schedulesError = error instanceof Error ? error.message : String(error);
  }
  return { workflows: workflows.map(workflowSummary), schedules: list, schedulesError };
}
