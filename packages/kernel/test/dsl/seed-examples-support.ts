/** What the tests of the seed's workflow guide examples share. */
import type { TestKernel } from "../../src/testing/index.js";

/** Creates a run of `workflowId`; returns its id. */
export async function start(t: TestKernel, workflowId: string, input: unknown): Promise<string> {
  const { workflowRunId } = await t.kernel.dispatch({ type: "run.create", workflowId, input });
  return workflowRunId;
}

/** The ids of a run's completed stages, sorted. */
export async function completedSteps(t: TestKernel, runId: string): Promise<string[]> {
  return (await t.persistence.listStages(runId))
    .filter((s) => s.status === "COMPLETED")
    .map((s) => s.stageId)
    .sort();
}
