/**
 * Workflows for the dashboard's tests: "gated" (prepare → hold → finish, where "hold" waits
 * until the test releases it), "broken" (fails at once, no retry) and "refund" (an approval).
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

const N = z.object({ n: z.number() });

/** Releases held stages: each `hold` attempt waits until {@link gate.release} is called. */
export const gate = {
  waiting: [] as Array<() => void>,
  released: false,
  /** Lets every held attempt (and later ones) finish. */
  release(): void {
    gate.released = true;
    for (const go of gate.waiting.splice(0)) go();
  },
  reset(): void {
    gate.released = false;
    gate.waiting.length = 0;
  },
};

const prepare = defineStage({
  id: "prepare",
  name: "prepare",
  schemas: { input: N, output: N },
  execute: (ctx) => {
    ctx.log.info("preparing", { n: ctx.input.n });
    return { n: ctx.input.n + 1 };
  },
});

const hold = defineStage({
  id: "hold",
  name: "hold",
  schemas: { input: N, output: N },
  execute: async (ctx) => {
    if (!gate.released)
      await new Promise<void>((resolve, reject) => {
        gate.waiting.push(resolve);
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      });
    return { n: ctx.input.n * 10 };
  },
});

const finish = defineStage({
  id: "finish",
  name: "finish",
  schemas: { input: N, output: N },
  execute: (ctx) => ({ n: ctx.input.n + 1 }),
});

/** prepare → hold → finish. */
export const gated = defineWorkflow({ id: "gated", name: "Gated", input: N, output: N })
  .pipe(prepare)
  .pipe(hold)
  .pipe(finish)
  .build();

/** Fails at its only stage (one attempt). */
export const broken = defineWorkflow({ id: "broken", name: "Broken", input: N, output: N })
  .pipe(
    defineStage({
      id: "explode",
      name: "explode",
      schemas: { input: N, output: N },
      retry: { maxAttempts: 1 },
      execute: () => {
        throw new Error("boom");
      },
    }),
  )
  .build();

/** Waits for a manager's approval. */
export const refund = defineWorkflow({ id: "refund", name: "Refund", input: N, output: z.any() })
  .approval("manager", { title: "Refund over 100 EUR" })
  .build();

/** Every test workflow. */
export const testWorkflows = [gated, broken, refund];
