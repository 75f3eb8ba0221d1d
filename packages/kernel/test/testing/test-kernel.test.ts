/** `createTestKernel`: its read-side queries read the store its kernel writes. */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";

describe("createTestKernel queries", () => {
  it("reads the runs the kernel created, newest first", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const first = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    t.clock.advance(1);
    const second = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 2 },
    });
    const page = await t.queries.listRuns();
    expect(page.runs.map((r) => r.id)).toEqual([second.workflowRunId, first.workflowRunId]);
  });

  it("with your own persistence, uses your queries, and refuses rather than read another store", async () => {
    const own = createInMemoryStack();
    const without = createTestKernel({ workflows: [chainWorkflow], persistence: own.persistence });
    await expect(without.queries.listRuns()).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      field: "queries",
    });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence: own.persistence,
      jobTransport: own.jobTransport,
      scheduler: own.scheduler,
      queries: own.queries,
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    expect((await t.queries.getRun(workflowRunId))?.run.id).toBe(workflowRunId);
  });
});
