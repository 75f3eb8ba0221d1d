/**
 * Workflows shared by the kernel's tests.
 */
import { z } from "zod";
import {
  defineAsyncBatchStage,
  defineStage,
  defineWorkflow,
  NonRetryableError,
} from "../src/index.js";

/** Stage k of a chain: returns `{ n: n + 1 }`. */
export function increment(id: string) {
  return defineStage({
    id,
    name: `Increment ${id}`,
    schemas: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    execute: (ctx) => ({ n: ctx.input.n + 1 }),
  });
}

/** Three sequential increments. */
export const chainWorkflow = defineWorkflow({
  id: "chain",
  name: "Chain",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
})
  .pipe(increment("a"))
  .pipe(increment("b"))
  .pipe(increment("c"))
  .build();

const split = defineStage({
  id: "split",
  name: "Split",
  schemas: {
    input: z.object({ text: z.string() }),
    output: z.object({ words: z.array(z.string()), at: z.date() }),
  },
  execute: (ctx) => ({
    words: ctx.input.text.split(/\s+/),
    at: new Date("2026-03-04T05:06:07.089Z"),
  }),
});
const count = defineStage({
  id: "count",
  name: "Count",
  schemas: {
    input: z.object({ words: z.array(z.string()) }),
    output: z.object({ count: z.number() }),
  },
  execute: (ctx) => ({ count: ctx.input.words.length }),
});
const longest = defineStage({
  id: "longest",
  name: "Longest",
  schemas: {
    input: z.object({ words: z.array(z.string()) }),
    output: z.object({ word: z.string() }),
  },
  execute: (ctx) => ({ word: [...ctx.input.words].sort((x, y) => y.length - x.length)[0] ?? "" }),
});
const summary = defineStage({
  id: "summary",
  name: "Summary",
  schemas: {
    input: z.object({
      count: z.object({ count: z.number() }),
      longest: z.object({ word: z.string() }),
    }),
    output: z.object({ text: z.string(), splitAt: z.date() }),
  },
  execute: (ctx) => ({
    text: `${ctx.input.count.count} words, longest "${ctx.input.longest.word}"`,
    splitAt: ctx.require<{ at: Date }>("split").at,
  }),
});

/** split → parallel(count, longest) → summary; carries a Date through. */
export const textWorkflow = defineWorkflow({
  id: "text",
  name: "Text",
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string(), splitAt: z.date() }),
})
  .pipe(split)
  .parallel([count, longest])
  .pipe(summary)
  .build();

/** A controllable stage: its behaviour is set per test through `behaviour`. */
export function controllable(
  id = "work",
  retry = { maxAttempts: 3, backoffMs: 1_000, maxBackoffMs: 60_000 },
) {
  const behaviour: {
    run: (attempt: number, signal: AbortSignal) => Promise<{ ok: boolean }> | { ok: boolean };
  } = {
    run: () => ({ ok: true }),
  };
  const stage = defineStage({
    id,
    name: "Controllable",
    retry,
    schemas: { input: z.object({}).passthrough(), output: z.object({ ok: z.boolean() }) },
    execute: (ctx) => behaviour.run(ctx.attempt, ctx.signal),
  });
  const workflow = defineWorkflow({
    id: `ctl-${id}`,
    name: "Controllable",
    input: z.object({}).passthrough(),
    output: z.object({ ok: z.boolean() }),
  })
    .pipe(stage)
    .build();
  return { behaviour, workflow };
}

/** An async-batch stage that suspends until `batch.done` is set. */
export function batchWorkflow() {
  const batch: { done: boolean; error?: string; checks: number } = { done: false, checks: 0 };
  const stage = defineAsyncBatchStage({
    id: "batch",
    name: "Batch",
    schemas: {
      input: z.object({ items: z.number() }),
      output: z.object({ processed: z.number() }),
    },
    execute: (ctx) => ({
      suspended: true as const,
      state: { batchId: `b-${ctx.input.items}`, submittedAt: new Date("2026-01-01T00:00:00Z") },
      pollConfig: { pollIntervalMs: 5_000 },
    }),
    checkCompletion: (state: { batchId: string; submittedAt: Date }) => {
      batch.checks++;
      if (!(state.submittedAt instanceof Date)) throw new NonRetryableError("state lost its Date");
      if (batch.error) return { ready: false as const, error: batch.error };
      return batch.done
        ? { ready: true as const, output: { processed: Number(state.batchId.slice(2)) } }
        : { ready: false as const };
    },
  });
  const workflow = defineWorkflow({
    id: "batch",
    name: "Batch",
    input: z.object({ items: z.number() }),
    output: z.object({ processed: z.number() }),
  })
    .pipe(stage)
    .build();
  return { batch, workflow };
}
