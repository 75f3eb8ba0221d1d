/** `outbox.replayDeadLetters`: moves dead-lettered events back, all runs' or one run's. */
import { describe, expect, it } from "vitest";
import { createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";

describe("outbox.replayDeadLetters", () => {
  it("replays every run's dead letters, or with workflowRunId only that run's", async () => {
    const t = createTestKernel({ workflows: [chainWorkflow] });
    const runs: string[] = [];
    for (let n = 0; n < 2; n++) {
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "chain",
        input: { n },
      });
      runs.push(workflowRunId);
    }
    const now = t.clock.now();
    for (const runId of runs)
      for (const event of await t.queries.listEvents(runId))
        await t.persistence.recordOutboxFailure(event, {
          error: "poison",
          retryAt: now,
          deadLetter: true,
          now,
        });
    const dead = async (runId: string) =>
      (await t.queries.listEvents(runId)).filter((e) => e.dlqAt !== null).length;
    const [first, second] = runs as [string, string];
    const perRun = await dead(first);
    expect(perRun).toBeGreaterThan(0);

    expect(
      await t.kernel.dispatch({ type: "outbox.replayDeadLetters", workflowRunId: second }),
    ).toEqual({ replayed: perRun });
    expect([await dead(first), await dead(second)]).toEqual([perRun, 0]);
    expect(await t.kernel.dispatch({ type: "outbox.replayDeadLetters" })).toEqual({
      replayed: perRun,
    });
    expect(await dead(first)).toBe(0);
  });
});
