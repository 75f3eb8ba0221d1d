/**
 * Workflows for the dashboard's tests: "gated" (prepare → hold → finish, where "hold" waits
 * until the test releases its run, and "prepare" fails once for input 1), "broken" (fails at once, no retry) and "refund" (an approval).
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

const N = z.object({ n: z.number() });

/**
 * Holds the "hold" stage of each run until the test releases that run ({@link gate.release});
 * `releaseAll` lets every attempt through (API tests driving runs synchronously).
 */
export const gate = {
  waiting: new Map<string, () => void>(),
  released: new Set<string>(),
  all: false,
  /** Lets run `runId`'s held attempt (and later ones) finish. */
  release(runId: string): void {
    gate.released.add(runId);
    gate.waiting.get(runId)?.();
    gate.waiting.delete(runId);
  },
  /** Whether run `runId`'s "hold" attempt is waiting for its release. */
  isHeld(runId: string): boolean {
    return gate.waiting.has(runId);
  },
};

const prepare = defineStage({
  id: "prepare",
  name: "prepare",
  schemas: { input: N, output: N },
  // Input n = 1 fails its first attempt (a retry, drawn as a red bar before the green one).
  retry: { maxAttempts: 2, intervalMs: 50 },
  execute: (ctx) => {
    ctx.log.info("preparing", { n: ctx.input.n, attempt: ctx.attempt });
    if (ctx.input.n === 1 && ctx.attempt === 1) throw new Error("upstream answered 503");
    return { n: ctx.input.n + 1 };
  },
});

const hold = defineStage({
  id: "hold",
  name: "hold",
  schemas: { input: N, output: N },
  execute: async (ctx) => {
    const runId = ctx.workflowRunId;
    if (!gate.all && !gate.released.has(runId))
      await new Promise<void>((resolve, reject) => {
        gate.waiting.set(runId, resolve);
        ctx.signal.addEventListener("abort", () => {
          gate.waiting.delete(runId);
          reject(ctx.signal.reason);
        });
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
