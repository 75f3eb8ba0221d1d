/**
 * A run waiting for a signal, a child, a sleep or a poll is not stuck: `run.reapStuck` does not
 * read it however long it waits (its `waiting` flag keeps it out of the reaper's query), so a
 * thousand waiting runs cost the reaper nothing and never crowd a stuck run out of its batch.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";

const any = z.any();

describe("run.reapStuck and waiting runs", () => {
  it("reads none of the waiting runs and still finds the stuck one", async () => {
    const waits = defineWorkflow({ id: "waits", name: "waits", input: any, output: any })
      .waitForSignal("go")
      .build();
    const sleeps = defineWorkflow({ id: "sleeps", name: "sleeps", input: any, output: any })
      .sleep("nap", 24 * 60 * 60 * 1000)
      .build();
    const t = createTestKernel({ workflows: [waits, sleeps] });
    const waiting: string[] = [];
    for (let i = 0; i < 60; i++) {
      const workflowId = i % 2 === 0 ? "waits" : "sleeps";
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId,
        input: {},
      });
      waiting.push(workflowRunId);
    }
    for (let i = 0; i < 20; i++) await t.driver.tick();
    for (const id of waiting) {
      const run = await t.persistence.getRun(id);
      expect(run).toMatchObject({ status: "RUNNING", waiting: true });
    }
    // A stuck run: RUNNING, its group done, nothing live (a crash before its transition).
    const { workflowRunId: stuck } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "waits",
      input: {},
    });
    await t.persistence.updateRun(
      stuck,
      { status: "RUNNING", currentGroup: 5, startedAt: t.clock.now() },
      { now: t.clock.now() },
    );
    t.clock.advance(60 * 60 * 1000);
    const reaped = await t.kernel.dispatch({ type: "run.reapStuck", maxRuns: 10 });
    expect(reaped.examined).toBe(1);
    expect(reaped.repaired.map((r) => r.workflowRunId)).toEqual([stuck]);

    // A signal resumes one: it is no longer waiting, and completes.
    await t.kernel.dispatch({
      type: "run.signal",
      workflowRunId: waiting[0] as string,
      name: "go",
    });
    const done = await t.persistence.getRun(waiting[0] as string);
    expect(done).toMatchObject({ status: "COMPLETED", waiting: false });
  });
});
