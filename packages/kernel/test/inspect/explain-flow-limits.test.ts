/**
 * `explainRun` of runs held by a workflow's start limits: a debounced run (pushed back by a
 * later create of its key) and a queued singleton (waiting for its key's active run).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow, explainRun, loadRunInspection } from "../../src/index.js";
import { createTestKernel, FakeClock, type TestKernel } from "../../src/testing/index.js";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const Input = z.object({ n: z.number() });

async function explain(t: TestKernel, runId: string) {
  const inspection = await loadRunInspection(t.queries, runId, t.clock.now());
  if (!inspection) throw new Error(`run ${runId} not found`);
  return explainRun(inspection, t.clock.now());
}

describe("explainRun and start limits", () => {
  it("a debounced run: the create that pushed its start back", async () => {
    const clock = new FakeClock(T0);
    const workflow = defineWorkflow({
      id: "deb",
      name: "deb",
      input: Input,
      output: z.any(),
      debounce: { periodMs: 60_000 },
    })
      .sleep("nap", 1)
      .build();
    const t = createTestKernel({ workflows: [workflow], clock });
    const create = (n: number) =>
      t.kernel.dispatch({ type: "run.create", workflowId: "deb", input: { n } });
    const { workflowRunId } = await create(1);
    expect((await explain(t, workflowRunId)).facts.reason).toBe("scheduled");
    clock.advance(5_000);
    await create(2);
    const { summary, facts } = await explain(t, workflowRunId);
    expect(summary).toBe(
      `Run ${workflowRunId} is debounced: a create of its key at 2026-03-01T10:00:05.000Z gave it its input and pushed its start back; another create of the key before it starts does so again.`,
    );
    expect(facts).toMatchObject({
      reason: "debounce",
      status: "SCHEDULED",
      debouncedAt: "2026-03-01T10:00:05.000Z",
      concurrencyKey: JSON.stringify(["deb"]),
    });
  });

  it("a pending run whose key's rate limit is used up: the period and when the next starts", async () => {
    const clock = new FakeClock(T0 + 500);
    const workflow = defineWorkflow({
      id: "rated",
      name: "rated",
      input: Input,
      output: z.any(),
      rateLimit: { limit: 2, periodMs: 60_000 },
    })
      .sleep("nap", 1)
      .build();
    const t = createTestKernel({ workflows: [workflow], clock });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "rated",
        input: { n },
      });
      ids.push(workflowRunId);
    }
    await t.driver.tick();
    const { summary, facts } = await explain(t, ids[2] as string);
    expect(summary).toBe(
      `Run ${ids[2]} waits for the rate limit of key "["rated"]": 2 of 2 starts per 1 min used since 2026-03-01T10:00:00.000Z; the next period starts at 2026-03-01T10:01:00.000Z.`,
    );
    expect(facts).toMatchObject({
      reason: "rate-limit",
      rateLimit: 2,
      periodMs: 60_000,
      starts: 2,
      nextStartAt: "2026-03-01T10:01:00.000Z",
    });
    // Once the next period has come, the rate no longer holds it.
    clock.advance(60_000);
    expect((await explain(t, ids[2] as string)).facts.reason).not.toBe("rate-limit");
  });

  it("a pending run held by its key's throttle: when the next start is", async () => {
    const clock = new FakeClock(T0);
    const workflow = defineWorkflow({
      id: "slow",
      name: "slow",
      input: Input,
      output: z.any(),
      throttle: { limit: 1, periodMs: 10_000 },
    })
      .sleep("nap", 1)
      .build();
    const t = createTestKernel({ workflows: [workflow], clock });
    await t.kernel.dispatch({ type: "run.create", workflowId: "slow", input: { n: 1 } });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "slow",
      input: { n: 2 },
    });
    await t.driver.tick();
    const { facts } = await explain(t, workflowRunId);
    expect(facts).toMatchObject({ reason: "throttle", nextStartAt: "2026-03-01T10:00:10.000Z" });
  });

  it("a queued singleton waits for its key's active run", async () => {
    const workflow = defineWorkflow({
      id: "one",
      name: "one",
      input: Input,
      output: z.any(),
      singleton: { mode: "queue" },
    })
      .sleep("hold", 60_000)
      .build();
    const t = createTestKernel({ workflows: [workflow], clock: new FakeClock(T0) });
    const first = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "one",
      input: { n: 1 },
    });
    const second = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "one",
      input: { n: 2 },
    });
    await t.driver.tick();
    await t.driver.tick();
    const { facts } = await explain(t, second.workflowRunId);
    expect(facts).toMatchObject({
      reason: "concurrency",
      concurrencyHolders: first.workflowRunId,
    });
  });
});
