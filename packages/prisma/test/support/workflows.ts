/**
 * A workflow that exercises every kind of step: sequential stages, a parallel group, an
 * async-batch stage that suspends and resumes, a flaky stage that retries, and a large output
 * that goes to the blob store.
 */
import { defineAsyncBatchStage, defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Knobs the tests turn. */
export const controls = { batchReady: false, flakyFailures: 0, flakyCalls: 0 };

const ingest = defineStage({
  id: "ingest",
  name: "Ingest",
  schemas: {
    input: z.object({ doc: z.string(), at: z.date() }),
    output: z.object({ words: z.array(z.string()), at: z.date(), blob: z.string() }),
  },
  execute: (ctx) => ({
    words: ctx.input.doc.split(" "),
    at: ctx.input.at,
    blob: "x".repeat(40_000),
  }),
});
const count = defineStage({
  id: "count",
  name: "Count",
  schemas: { input: z.object({ words: z.array(z.string()) }), output: z.object({ n: z.number() }) },
  execute: (ctx) => ({ n: ctx.input.words.length }),
});
const flaky = defineStage({
  id: "flaky",
  name: "Flaky",
  retry: { maxAttempts: 4, backoffMs: 1_000, maxBackoffMs: 10_000 },
  schemas: {
    input: z.object({ words: z.array(z.string()) }),
    output: z.object({ upper: z.array(z.string()) }),
  },
  execute: (ctx) => {
    controls.flakyCalls++;
    if (controls.flakyFailures > 0) {
      controls.flakyFailures--;
      throw new Error("transient outage");
    }
    return { upper: ctx.input.words.map((w) => w.toUpperCase()) };
  },
});
const batch = defineAsyncBatchStage({
  id: "batch",
  name: "Batch",
  schemas: {
    input: z.object({
      count: z.object({ n: z.number() }),
      flaky: z.object({ upper: z.array(z.string()) }),
    }),
    output: z.object({ summary: z.string(), at: z.date() }),
  },
  execute: (ctx) => ({
    suspended: true as const,
    state: {
      n: ctx.input.count.n,
      first: ctx.input.flaky.upper[0] ?? "",
      submittedAt: ctx.require<{ at: Date }>("ingest").at,
    },
    pollConfig: { pollIntervalMs: 10_000 },
  }),
  checkCompletion: (state: { n: number; first: string; submittedAt: Date }) =>
    controls.batchReady
      ? {
          ready: true as const,
          output: { summary: `${state.n} words, first ${state.first}`, at: state.submittedAt },
        }
      : { ready: false as const },
});

/** ingest → (count ∥ flaky) → batch */
export const fullWorkflow = defineWorkflow({
  id: "full",
  name: "Full",
  input: z.object({ doc: z.string(), at: z.date() }),
  output: z.object({ summary: z.string(), at: z.date() }),
})
  .pipe(ingest)
  .parallel([count, flaky])
  .pipe(batch)
  .build();
