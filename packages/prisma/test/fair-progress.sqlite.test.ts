/**
 * Fair progress end to end on SQLite (issue 20): 50 runs of ten parallel stages and a join,
 * all started (their 500 parallel stages queued) before any stage runs. With jobs dequeued by their run's age, the first run's join runs
 * before the last run's first stage; first-in, first-out ran every parallel stage of every run
 * before any join.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "./support/stacks.js";

const RUNS = 50;
/** What ran, in order: `[run id, "part" | "join"]`. */
const executed: [string, string][] = [];

const parts = Array.from({ length: 10 }, (_, i) =>
  defineStage({
    id: `part${i}`,
    name: `Part ${i}`,
    schemas: { input: z.unknown(), output: z.object({ i: z.number() }) },
    execute: (ctx) => {
      executed.push([ctx.workflowRunId, "part"]);
      return { i };
    },
  }),
);
const join = defineStage({
  id: "join",
  name: "Join",
  schemas: { input: z.unknown(), output: z.object({ done: z.boolean() }) },
  execute: (ctx) => {
    executed.push([ctx.workflowRunId, "join"]);
    return { done: true };
  },
});
const fanOut = defineWorkflow({
  id: "fan-out",
  name: "Fan out",
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
})
  .parallel(parts)
  .pipe(join)
  .build();

const harness = useStack("sqlite", "fair_progress_sqlite");

it("a queued run's join runs before the last queued run's first stage (jobs go by their run's age)", async () => {
  const { stack } = harness();
  const t = createTestKernel({
    workflows: [fanOut],
    persistence: stack.persistence,
    jobTransport: stack.jobTransport,
    scheduler: stack.scheduler,
    blobStore: stack.blobStore,
    clock: new FakeClock(new Date("2026-02-01T00:00:00Z")),
  });
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "fan-out",
      input: {},
    });
    runIds.push(workflowRunId);
    t.clock.advance(1);
  }
  // Every run started at once: 500 parallel stages queued before any runs (W2's backlog).
  const claimed = await t.kernel.dispatch({
    type: "run.claimPending",
    workerId: "claimer",
    maxClaims: RUNS,
  });
  expect(claimed.claimed).toHaveLength(RUNS);
  for (const id of runIds) expect((await t.driver.runToCompletion(id)).status).toBe("COMPLETED");
  expect(executed).toHaveLength(RUNS * 11);
  const firstJoin = executed.findIndex(([id, kind]) => id === runIds[0] && kind === "join");
  const lastRunStarts = executed.findIndex(([id]) => id === runIds[RUNS - 1]);
  expect(firstJoin).toBeGreaterThanOrEqual(10);
  expect(firstJoin).toBeLessThan(lastRunStarts);
});
