/**
 * The workflow the end-to-end tests run: split → (count ∥ shout) → join, where `shout` throws
 * on its first attempt (so its retry is published with a delay). Every stage counts its
 * executions per run, so tests can check each ran exactly once (twice for `shout`: the failed
 * attempt and the retry).
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Stage executions, keyed `runId:stageId`, and when each run's first stage started. */
export class Executions {
  readonly counts = new Map<string, number>();
  readonly firstStageAt = new Map<string, number>();

  record(runId: string, stageId: string): number {
    const key = `${runId}:${stageId}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (stageId === "split" && !this.firstStageAt.has(runId))
      this.firstStageAt.set(runId, Date.now());
    return n;
  }

  of(runId: string, stageId: string): number {
    return this.counts.get(`${runId}:${stageId}`) ?? 0;
  }
}

/** Stage ids of {@link pipelineWorkflow}, in order. */
export const PIPELINE_STAGES = ["split", "count", "shout", "join"] as const;

/** split → (count ∥ shout) → join; `shout` fails once and is retried 1 s later. */
export function pipelineWorkflow(executions: Executions) {
  const split = defineStage({
    id: "split",
    name: "Split",
    schemas: {
      input: z.object({ text: z.string() }),
      output: z.object({ words: z.array(z.string()) }),
    },
    execute: (ctx) => {
      executions.record(ctx.workflowRunId, ctx.stageId);
      return { words: ctx.input.text.split(" ") };
    },
  });
  const count = defineStage({
    id: "count",
    name: "Count",
    schemas: { input: split.schemas.output, output: z.object({ n: z.number().int() }) },
    execute: (ctx) => {
      executions.record(ctx.workflowRunId, ctx.stageId);
      return { n: ctx.input.words.length };
    },
  });
  const shout = defineStage({
    id: "shout",
    name: "Shout",
    retry: { maxAttempts: 2, backoffMs: 1_000, maxBackoffMs: 1_000 },
    schemas: { input: split.schemas.output, output: z.object({ upper: z.array(z.string()) }) },
    execute: (ctx) => {
      if (executions.record(ctx.workflowRunId, ctx.stageId) === 1)
        throw new Error("first attempt fails");
      return { upper: ctx.input.words.map((w) => w.toUpperCase()) };
    },
  });
  const join = defineStage({
    id: "join",
    name: "Join",
    schemas: {
      input: z.object({ count: count.schemas.output, shout: shout.schemas.output }),
      output: z.object({ summary: z.string() }),
    },
    execute: (ctx) => {
      executions.record(ctx.workflowRunId, ctx.stageId);
      return { summary: `${ctx.input.count.n}: ${ctx.input.shout.upper.join(" ")}` };
    },
  });
  return defineWorkflow({
    id: "pipeline",
    name: "Pipeline",
    input: z.object({ text: z.string() }),
    output: z.object({ summary: z.string() }),
  })
    .pipe(split)
    .parallel([count, shout])
    .pipe(join)
    .build();
}
