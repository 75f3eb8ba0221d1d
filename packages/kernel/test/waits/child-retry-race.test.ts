/**
 * Two resumers of a child step whose child failed (the scheduled resume and the outbox's) both
 * read the failed child's resolution; one starts the retry's new child, and the other, finding
 * the stage moved on, must leave it alone. Before, `retryChild` said only "not retried", so the
 * second resumer failed the stage with the first child's error — the run failed while its new
 * child was held to start. (Found by the deterministic simulation's `failure-unexplained`, on
 * its `sim-parent` workflow.)
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineStage } from "../../src/dsl/stage.js";
import { defineWorkflow } from "../../src/dsl/workflow.js";
import { NonRetryableError } from "../../src/errors.js";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { override } from "../helpers.js";

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

describe("two resumers of a child step whose child failed", () => {
  it("start one retry, and the other leaves the stage waiting for the new child", async () => {
    const stack = createInMemoryStack();
    // The outbox delivers the first child's end but dies before resuming the parent.
    let resumes = 0;
    const delivered = () =>
      [...stack.store.signals.values()].some((s) => s.id.startsWith("child-end:"));
    const persistence = override(stack.persistence, {
      listStages: async (runId) => {
        if (delivered() && resumes++ === 0) throw new Error("the worker died");
        return stack.persistence.listStages(runId);
      },
    });
    const t = createTestKernel({
      workflows: [parent],
      persistence,
      jobTransport: stack.jobTransport,
      scheduler: stack.scheduler,
      blobStore: stack.blobStore,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "parent",
      input: {},
    });
    for (let i = 0; i < 20 && !delivered(); i++) await t.driver.tick();
    expect(delivered()).toBe(true);
    const stage = await t.persistence.getStage(workflowRunId, "kid");
    expect(stage?.status).toBe("SUSPENDED");

    // Both read the failed child's resolution before either commits.
    const resume = { type: "stage.resume", workflowRunId, stageRecordId: stage?.id as string };
    const outcomes = await Promise.all([
      t.kernel.dispatch(resume as never),
      t.kernel.dispatch(resume as never),
    ]);
    expect(outcomes.map((o) => (o as { outcome: string }).outcome).sort()).toEqual([
      "nothing",
      "retried",
    ]);
    expect(await t.persistence.getStage(workflowRunId, "kid")).toMatchObject({
      status: "SUSPENDED",
    });

    // The retries go on: three children, then the step fails on the last one's attempt.
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.error).toMatchObject({ code: "CHILD_WORKFLOW_FAILED", stageId: "kid" });
    const kids = await t.persistence.listRuns({ workflowId: "doomed", limit: 10 });
    expect(kids.map((k) => k.status)).toEqual(["FAILED", "FAILED", "FAILED"]);
  });
});
