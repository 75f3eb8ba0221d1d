/**
 * One run that cannot be started must not block the claims of the others: the batch falls back
 * to one run per transaction, the run that fails again alone is failed (`CLAIM_FAILED`), and
 * every healthy run starts.
 */
import { describe, expect, it } from "vitest";
import type { PersistenceTransaction } from "../../src/ports/persistence/index.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";
import { chainWorkflow } from "../fixtures.js";
import { override } from "../helpers.js";

/** The stack's persistence, whose transactions fail to create the stages of `badRun()`. */
function faultyStack(badRun: () => string | undefined) {
  const stack = createInMemoryStack();
  const wrap = (tx: PersistenceTransaction) =>
    override(tx, {
      createStages: (stages) =>
        stages.some((stage) => stage.runId === badRun())
          ? Promise.reject(new Error("disk full while starting the run"))
          : tx.createStages(stages),
    });
  const persistence = new Proxy(stack.persistence, {
    get(target, property, receiver) {
      if (property === "withTransaction")
        return <T>(fn: (tx: PersistenceTransaction) => Promise<T>) =>
          target.withTransaction((tx) => fn(wrap(tx)));
      // The fault is in the transactional claim: no run starter, so the claim goes through it.
      if (property === "runStarter") return undefined;
      return Reflect.get(target, property, receiver);
    },
  });
  return { ...stack, persistence };
}

describe("run.claimPending with a run that cannot start", () => {
  it("fails that run only (CLAIM_FAILED) and starts every other, in the same claim", async () => {
    let bad: string | undefined;
    const stack = faultyStack(() => bad);
    const t = createTestKernel({ ...stack, workflows: [chainWorkflow] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: "chain",
        input: { n: i },
        // The bad run is the most urgent: it comes first in every batch.
        priority: i === 2 ? 9 : 0,
      });
      ids.push(workflowRunId);
    }
    bad = ids[2];
    const claim = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      maxClaims: 10,
    });
    expect(claim.claimed.map((c) => c.workflowRunId).sort()).toEqual(
      ids.filter((id) => id !== bad).sort(),
    );
    expect(claim.failed).toEqual([
      {
        workflowRunId: bad,
        code: "CLAIM_FAILED",
        message: `[ratchet] run ${bad} could not be started: disk full while starting the run`,
      },
    ]);
    expect(await t.persistence.getRun(bad as string)).toMatchObject({
      status: "FAILED",
      error: { code: "CLAIM_FAILED" },
    });
    // The next claims are clean, and the healthy runs finish.
    await t.driver.drain();
    for (const id of ids.filter((id) => id !== bad))
      expect(await t.persistence.getRun(id)).toMatchObject({ status: "COMPLETED" });
    const failedEvents = t.events.events.filter(
      (e) => e.workflowRunId === bad && e.type === "workflow.failed",
    );
    expect(failedEvents).toHaveLength(1);
  });

  it("fails nothing when the fault is not a run's: a claim that cannot open a transaction throws", async () => {
    const stack = createInMemoryStack();
    const healthy = createTestKernel({ ...stack, workflows: [chainWorkflow] });
    const { workflowRunId } = await healthy.kernel.dispatch({
      type: "run.create",
      workflowId: "chain",
      input: { n: 1 },
    });
    const broken = override(stack.persistence, {
      runStarter: () => undefined,
      withTransaction: () => Promise.reject(new Error("database unreachable")),
    });
    const t = createTestKernel({ ...stack, persistence: broken, workflows: [chainWorkflow] });
    await expect(t.kernel.dispatch({ type: "run.claimPending", workerId: "w" })).rejects.toThrow(
      "database unreachable",
    );
    expect(await stack.persistence.getRun(workflowRunId)).toMatchObject({ status: "PENDING" });
  });
});
