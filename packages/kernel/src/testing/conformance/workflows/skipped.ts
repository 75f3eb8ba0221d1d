/**
 * `SKIPPED` on a real store: a choice's untaken branch is recorded `SKIPPED` in the commit of
 * the decision (the store's stage committer writes it), survives a restart, and a rerun from
 * before the choice replaces it.
 */
import { describe, expect, it } from "vitest";
import { workflow } from "../../../dsl/step-builder.js";
import { FakeClock } from "../../fake-clock.js";
import { T0 } from "../shared.js";
import { kernelOn, start, type WorkflowFixture } from "./fixture.js";

/** Registers the skipped-stage tests. */
export function skippedTests(fixture: () => WorkflowFixture): void {
  describe("skipped stages", () => {
    it("records the branch a choice did not take SKIPPED, kept across a restart and reset by a rerun", async () => {
      let threshold = 1000;
      const wf = workflow("skipped-branch")
        .task("score", {
          handler: async (input: { amount: number }) => ({ amount: input.amount }),
        })
        .choice("route", {
          choices: [{ condition: (ctx) => ctx.steps.score.amount > threshold, next: "review" }],
          default: "standard",
        })
        .pass("review", { result: { queue: "manual-review" }, end: true })
        .pass("standard", { result: { queue: "standard" } })
        .build();
      const clock = new FakeClock(T0);
      const before = kernelOn(fixture().ports, [wf], { clock });
      const runId = await start(before, wf.id, { amount: 5000 });
      await before.driver.runToCompletion(runId);
      const after = kernelOn(await fixture().restart(), [wf], { clock });
      const statuses = async () =>
        Object.fromEntries(
          (await after.persistence.listStages(runId)).map((r) => [r.stageId, r.status]),
        );
      expect(await statuses()).toEqual({
        score: "COMPLETED",
        route: "COMPLETED",
        review: "COMPLETED",
        standard: "SKIPPED",
      });
      const skipped = (await after.persistence.listStages(runId)).find(
        (r) => r.stageId === "standard",
      );
      expect(skipped?.completedAt).toEqual(skipped?.createdAt);
      threshold = 10_000;
      await after.kernel.dispatch({
        type: "run.rerunFrom",
        workflowRunId: runId,
        fromStageId: "route",
      });
      expect((await after.driver.runToCompletion(runId)).status).toBe("COMPLETED");
      expect(await statuses()).toEqual({
        score: "COMPLETED",
        route: "COMPLETED",
        review: "SKIPPED",
        standard: "COMPLETED",
      });
    });
  });
}
