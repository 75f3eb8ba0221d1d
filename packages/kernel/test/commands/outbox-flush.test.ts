import { describe, expect, it } from "vitest";
import { OUTBOX_PUBLISH_CONCURRENCY } from "../../src/commands/outbox-flush.js";
import type { EventSink } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";

describe("outbox.flush and plugin.replayDLQ", () => {
  it("publishes each event once, in per-run sequence order, with ids to deduplicate on", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    await t.driver.runToCompletion(workflowRunId);
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    const events = t.events.forRun(workflowRunId);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" })).toEqual({
      published: 0,
      failed: 0,
      deadLettered: 0,
    });
  });

  it("dead-letters an event after outboxMaxRetries failures, and replays it on request", async () => {
    const t = createTestKernel({
      workflows: [chainWorkflow],
      options: { outboxMaxRetries: 3, outboxRetryBaseMs: 100 },
    });
    const { workflowRunId } = await t.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    t.events.failWhen((e) => e.type === "workflow.created");
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" }));
      t.clock.advance(10_000);
    }
    expect(results.map((r) => [r.failed, r.deadLettered])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const [dead] = await t.queries.listEvents(workflowRunId);
    expect(dead?.dlqAt).toBeInstanceOf(Date);
    t.events.failWhen(null);
    expect(await t.kernel.dispatch({ type: "plugin.replayDLQ" })).toEqual({ replayed: 1 });
    await t.kernel.dispatch({ type: "outbox.flush", workerId: "w" });
    expect(t.events.forRun(workflowRunId).map((e) => e.type)).toEqual(["workflow.created"]);
  });

  it("publishes a large flush's runs at most OUTBOX_PUBLISH_CONCURRENCY at a time, every event once", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const sink: EventSink = {
      emit: async (event) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(event.id);
        inFlight--;
      },
    };
    const t = createTestKernel({ workflows: [chainWorkflow], eventSink: sink });
    const runs = OUTBOX_PUBLISH_CONCURRENCY + 50;
    for (let n = 0; n < runs; n++)
      await t.kernel.dispatch({ type: "run.create", workflowId: "chain", input: { n } });
    const result = await t.kernel.dispatch({
      type: "outbox.flush",
      workerId: "w",
      maxEvents: 400,
    });
    expect(result.published).toBe(runs);
    expect(new Set(seen).size).toBe(runs);
    expect(most).toBe(OUTBOX_PUBLISH_CONCURRENCY);
  });
});
