/**
 * `SKIPPED`: when a choice routes the run, the first stages of the branches it did not take
 * get a terminal `SKIPPED` record in the commit of the decision; a loop that comes back and
 * takes such a branch replaces it, `run.rerunFrom` from before the choice resets it, and a
 * skipped stage cannot be rerun from (it was not reached).
 */
import { describe, expect, it } from "vitest";
import { workflow } from "../src/index.js";
import { loadRunInspection } from "../src/inspect/index.js";
import { TERMINAL_STAGE_STATUSES } from "../src/records.js";
import { createTestKernel } from "../src/testing/index.js";

function triage() {
  return workflow("triage")
    .task("score", { handler: async (input: { amount: number }) => ({ amount: input.amount }) })
    .choice("route", {
      choices: [{ condition: (ctx) => ctx.steps.score.amount > 1000, next: "review" }],
      default: "standard",
    })
    .pass("review", { result: { queue: "manual-review" }, next: "done" })
    .pass("standard", { result: { queue: "standard" } })
    .pass("done", { transform: (ctx) => ctx.prev })
    .build();
}

async function statuses(t: ReturnType<typeof createTestKernel>, runId: string) {
  const records = await t.persistence.listStages(runId);
  return Object.fromEntries(records.map((r) => [r.stageId, r.status]));
}

describe("SKIPPED stages", () => {
  it("records the branch a choice did not take as SKIPPED, terminal, with no job", async () => {
    const t = createTestKernel({ workflows: [triage()] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "triage",
      input: { amount: 5000 },
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(await statuses(t, workflowRunId)).toEqual({
      score: "COMPLETED",
      route: "COMPLETED",
      review: "COMPLETED",
      standard: "SKIPPED",
      done: "COMPLETED",
    });
    const skipped = (await t.persistence.listStages(workflowRunId)).find(
      (r) => r.stageId === "standard",
    );
    expect(skipped).toMatchObject({ attempt: 0, startedAt: null, error: null });
    expect(skipped?.completedAt).toEqual(skipped?.createdAt);
    expect(TERMINAL_STAGE_STATUSES).toContain("SKIPPED");
    const jobs = await t.queries.listJobs(workflowRunId);
    expect(jobs.some((j) => j.stageId === "standard")).toBe(false);
    const inspection = await loadRunInspection(t.queries, workflowRunId, t.clock.now());
    expect(inspection?.stages.find((s) => s.stageId === "standard")?.state).toBe("SKIPPED");
  });

  it("the other way round: the default taken, the named branch SKIPPED", async () => {
    const t = createTestKernel({ workflows: [triage()] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "triage",
      input: { amount: 10 },
    });
    await t.driver.runToCompletion(workflowRunId);
    expect(await statuses(t, workflowRunId)).toMatchObject({
      review: "SKIPPED",
      standard: "COMPLETED",
      done: "COMPLETED",
    });
  });

  it("a loop that comes back and takes the skipped branch replaces its SKIPPED record", async () => {
    const wf = workflow("loopy")
      .task("count", {
        handler: async (input: { n?: number }) => ({ n: (input.n ?? 0) + 1 }),
      })
      .choice("route", {
        choices: [{ condition: (ctx) => ctx.steps.count.n === 1, next: "first" }],
        default: "second",
      })
      .pass("first", { transform: (ctx) => ctx.prev, next: "again" })
      .pass("second", { transform: (ctx) => ctx.prev })
      .loop("again", { condition: (ctx) => ctx.prev.n < 2, target: "count" })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "loopy",
      input: {},
    });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    // First pass: "first" taken, "second" SKIPPED; second pass: "second" taken (its SKIPPED
    // record replaced), "first" keeps its record from the first pass.
    expect(await statuses(t, workflowRunId)).toEqual({
      count: "COMPLETED",
      route: "COMPLETED",
      first: "COMPLETED",
      second: "COMPLETED",
      again: "COMPLETED",
    });
  });

  it("run.rerunFrom before the choice resets the SKIPPED records; a skipped stage is not rerun from", async () => {
    let threshold = 1000;
    const wf = workflow("rerun-choice")
      .task("score", { handler: async (input: { amount: number }) => ({ amount: input.amount }) })
      .choice("route", {
        choices: [{ condition: (ctx) => ctx.steps.score.amount > threshold, next: "review" }],
        default: "standard",
      })
      .pass("review", { result: { queue: "manual-review" }, end: true })
      .pass("standard", { result: { queue: "standard" } })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "rerun-choice",
      input: { amount: 500 },
    });
    await t.driver.runToCompletion(workflowRunId);
    expect(await statuses(t, workflowRunId)).toMatchObject({
      review: "SKIPPED",
      standard: "COMPLETED",
    });
    await expect(
      t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "review" }),
    ).rejects.toMatchObject({ code: "ILLEGAL_STATE_TRANSITION" });
    threshold = 100;
    await t.kernel.dispatch({ type: "run.rerunFrom", workflowRunId, fromStageId: "route" });
    const run = await t.driver.runToCompletion(workflowRunId);
    expect(run.status).toBe("COMPLETED");
    expect(await statuses(t, workflowRunId)).toEqual({
      score: "COMPLETED",
      route: "COMPLETED",
      review: "COMPLETED",
      standard: "SKIPPED",
    });
  });

  it("a workflow without choices records no SKIPPED stage", async () => {
    const wf = workflow("plain")
      .task("a", { handler: async () => 1 })
      .task("b", { handler: async () => 2 })
      .build();
    const t = createTestKernel({ workflows: [wf] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "plain",
      input: {},
    });
    await t.driver.runToCompletion(workflowRunId);
    expect(await statuses(t, workflowRunId)).toEqual({ a: "COMPLETED", b: "COMPLETED" });
  });
});
