/**
 * Runs of the waiting fixture workflows (test/fixtures/waits.mjs) brought to their waits
 * through a kernel in this process, as a worker would: created, claimed and executed until each
 * waits for its signal, approval or child run.
 */
import type { AnyWorkflow } from "@ratchet/kernel";
import { createDriver } from "@ratchet/kernel/testing";
import type { PrismaStack } from "@ratchet/prisma";
import { createCommandKernel } from "../../src/runtime/command-kernel.js";

/** Ids of runs by the workflow they run. */
export type SeededRuns = Record<string, string[]>;

/** Creates runs of `starts` ([workflowId, input] pairs) and ticks until every one waits. */
export async function seedWaitingRuns(
  stack: PrismaStack,
  workflows: readonly AnyWorkflow[],
  starts: ReadonlyArray<readonly [string, unknown]>,
): Promise<SeededRuns> {
  const kernel = createCommandKernel(stack, workflows);
  const clock = { now: () => new Date(), advance: () => {} };
  const driver = createDriver({
    kernel,
    jobTransport: stack.jobTransport,
    persistence: stack.persistence,
    clock,
  });
  const runs: SeededRuns = {};
  for (const [workflowId, input] of starts) {
    const { workflowRunId } = await kernel.dispatch({ type: "run.create", workflowId, input });
    runs[workflowId] = [...(runs[workflowId] ?? []), workflowRunId];
  }
  // Claim, execute each first step (which suspends), start the children, execute theirs.
  for (let i = 0; i < 6; i++) await driver.tick();
  return runs;
}
