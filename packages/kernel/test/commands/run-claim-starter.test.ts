/**
 * When `run.claimPending` claims through the persistence's run starter and when it claims in a
 * transaction: the starter for workflows that start the same way for every run; the transaction
 * for a run timeout (the scheduler's timer) and for a claim whose ids up front would be too many
 * (a very wide first group times `maxClaims`). Either way every run is claimed and started.
 */

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyWorkflow, defineStage, defineWorkflow } from "../../src/index.js";
import type { RunStarter } from "../../src/ports/run-starter.js";
import { createInMemoryStack, createTestKernel } from "../../src/testing/index.js";

const N = z.object({ n: z.number() });
const stage = (id: string) =>
  defineStage({ id, name: id, schemas: { input: N, output: N }, execute: (ctx) => ctx.input });

/** A workflow whose first group has `width` parallel stages. */
const wide = (id: string, width: number) =>
  defineWorkflow({ id, name: id, input: N, output: z.any() })
    .parallel(Array.from({ length: width }, (_, i) => stage(`s${i}`)))
    .build();

/** An in-memory stack whose run starter counts its claims. */
function countingStack() {
  const stack = createInMemoryStack();
  const claims = { starter: 0 };
  const persistence = new Proxy(stack.persistence, {
    get(target, property, receiver) {
      if (property === "runStarter")
        return (jobTransport: Parameters<NonNullable<typeof target.runStarter>>[0]) => {
          const starter = target.runStarter?.(jobTransport);
          if (!starter) return undefined;
          return {
            claimAndStart: (request) => {
              claims.starter++;
              return starter.claimAndStart(request);
            },
          } satisfies RunStarter;
        };
      return Reflect.get(target, property, receiver);
    },
  });
  return { stack: { ...stack, persistence }, claims };
}

async function createAndClaim(workflow: AnyWorkflow, maxClaims: number) {
  const { stack, claims } = countingStack();
  const t = createTestKernel({ ...stack, workflows: [workflow] });
  for (let n = 0; n < 3; n++)
    await t.kernel.dispatch({ type: "run.create", workflowId: workflow.id, input: { n } });
  const result = await t.kernel.dispatch({ type: "run.claimPending", workerId: "w", maxClaims });
  return { result, claims };
}

describe("run.claimPending: run starter or transaction", () => {
  it("claims through the starter when every workflow starts the same way", async () => {
    const { result, claims } = await createAndClaim(wide("narrow", 3), 10);
    expect(claims.starter).toBe(1);
    expect(result.claimed).toHaveLength(3);
    expect(result.claimed.every((c) => c.jobIds.length === 3)).toBe(true);
  });

  it("claims in a transaction when the ids up front would pass 2,000 (width 100 × 10 claims)", async () => {
    const { result, claims } = await createAndClaim(wide("wide", 100), 10);
    expect(claims.starter).toBe(0);
    expect(result.claimed).toHaveLength(3);
    expect(result.claimed.every((c) => c.jobIds.length === 100)).toBe(true);
    // The same width with fewer runs per claim stays within the bound: the starter again.
    const fewer = await createAndClaim(wide("wide", 100), 9);
    expect(fewer.claims.starter).toBe(1);
    expect(fewer.result.claimed).toHaveLength(3);
  });

  it("claims in a transaction when a workflow has a run timeout", async () => {
    const timed = defineWorkflow({ id: "timed", name: "timed", input: N, output: N })
      .pipe(stage("a"))
      .timeout(60_000)
      .build();
    const { result, claims } = await createAndClaim(timed, 10);
    expect(claims.starter).toBe(0);
    expect(result.claimed).toHaveLength(3);
  });
});
