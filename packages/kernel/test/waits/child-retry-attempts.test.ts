/**
 * A child step that retried its failed children fails on its last child's attempt: the
 * `workflow.step.retry` events name attempts 1 and 2, the `workflow.step.failed` event attempt 3
 * (with `attempts: 3`), as a task stage's do. Before, the failure named the step's job attempt
 * (1), so attempt 1 of the stage had a retry and a failure event. (Found by the deterministic
 * simulation's `attempt-failed-twice`, on its `sim-parent` workflow whose `sim-risky` children
 * fail half of the time.)
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../src/dsl/stage.js";
import { defineWorkflow } from "../../src/dsl/workflow.js";
import { NonRetryableError } from "../../src/errors.js";
import { createTestKernel } from "../../src/testing/index.js";

const any = z.any();
const doomed = defineWorkflow({ id: "doomed", name: "doomed", input: any, output: any })
  .pipe(
    defineStage({
      id: "fail",
      name: "fail",
      schemas: { input: any, output: any },
      execute: () => {
        throw new NonRetryableError("always", { code: "ALWAYS" });
      },
    }),
  )
  .build();
const parent = defineWorkflow({ id: "parent", name: "parent", input: any, output: any })
  .child("kid", doomed, { retry: { maxAttempts: 3, intervalMs: 1_000 } })
  .build();

describe("a child step that retried its children", () => {
  it("fails on its last child's attempt, after retries numbered before it", async () => {
    const t = createTestKernel({ workflows: [parent] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "parent",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.error).toMatchObject({ code: "CHILD_WORKFLOW_FAILED", stageId: "kid" });
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "test" });
    const attempts = t.events
      .forRun(workflowRunId)
      .filter((e) => e.type === "workflow.step.retry" || e.type === "workflow.step.failed")
      .map((e) => [e.type, e.payload.attempt]);
    expect(attempts).toEqual([
      ["workflow.step.retry", 1],
      ["workflow.step.retry", 2],
      ["workflow.step.failed", 3],
    ]);
    expect(
      t.events.forRun(workflowRunId).find((e) => e.type === "workflow.step.failed"),
    ).toMatchObject({ payload: { attempts: 3 } });
    expect(await t.persistence.getStage(workflowRunId, "kid")).toMatchObject({
      status: "FAILED",
      attempt: 3,
    });
  });
});
