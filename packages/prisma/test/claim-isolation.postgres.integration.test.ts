/**
 * One run that cannot be started does not block the claims of the others, on the real
 * PostgreSQL server: a kernel whose transactions fail to create that run's stages claims every
 * other run and fails that one (`CLAIM_FAILED`); a second kernel on its own connections sees
 * the outcome and nothing pending.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import type { PersistenceTransaction } from "@ratchet/kernel/adapter";
import { createTestKernel, FakeClock } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "./support/stacks.js";

const N = z.object({ n: z.number() });
const chainWorkflow = defineWorkflow({ id: "isolation-chain", name: "Chain", input: N, output: N })
  .pipe(
    defineStage({
      id: "a",
      name: "a",
      schemas: { input: N, output: N },
      execute: (ctx) => ({ n: ctx.input.n + 1 }),
    }),
  )
  .build();

const T0 = new Date("2026-01-01T00:00:00Z");

describe("claim isolation on postgresql", () => {
  const harness = useStack("postgresql", "claim_isolation_postgresql");

  it("a run whose start fails is failed alone; every other run is claimed in the same claim", async () => {
    const h = harness();
    await h.truncate();
    const clock = new FakeClock(T0);
    let bad: string | undefined;
    const faulty = await h.open();
    const wrap = (tx: PersistenceTransaction) =>
      new Proxy(tx, {
        get(target, property, receiver) {
          if (property === "createStages")
            return (stages: Parameters<PersistenceTransaction["createStages"]>[0]) =>
              stages.some((stage) => stage.runId === bad)
                ? Promise.reject(new Error("injected fault starting the run"))
                : target.createStages(stages);
          return Reflect.get(target, property, receiver);
        },
      });
    const persistence = new Proxy(faulty.persistence, {
      get(target, property, receiver) {
        if (property === "withTransaction")
          return <T>(fn: (tx: PersistenceTransaction) => Promise<T>) =>
            target.withTransaction((tx) => fn(wrap(tx)));
        // The fault is injected into the transactional claim (the run starter's single
        // statement has no start of one run to fail): claim that way.
        if (property === "runStarter") return undefined;
        return Reflect.get(target, property, receiver);
      },
    });
    const t = createTestKernel({
      workflows: [chainWorkflow],
      persistence,
      jobTransport: faulty.jobTransport,
      scheduler: faulty.scheduler,
      blobStore: faulty.blobStore,
      queries: faulty.queries,
      clock,
    });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { workflowRunId } = await t.kernel.dispatch({
        type: "run.create",
        workflowId: chainWorkflow.id,
        input: { n: i },
        priority: i === 0 ? 5 : 0,
      });
      ids.push(workflowRunId);
    }
    bad = ids[0];
    const claim = await t.kernel.dispatch({
      type: "run.claimPending",
      workerId: "w",
      maxClaims: 10,
    });
    expect(claim.claimed.map((c) => c.workflowRunId).sort()).toEqual(ids.slice(1).sort());
    expect(claim.failed?.map((f) => [f.workflowRunId, f.code])).toEqual([[bad, "CLAIM_FAILED"]]);
    const rows = await h.reader.read("SELECT id, status FROM ratchet_runs ORDER BY id", []);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, id === bad ? "FAILED" : "RUNNING"])),
    );
  }, 30_000);
});
