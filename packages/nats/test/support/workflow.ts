/**
 * The workflow the end-to-end tests run: split → (count ∥ shout) → join. Every stage counts
 * its executions per run, and the first stage records when it started, so tests check each
 * stage ran exactly once and measure how soon a created run starts.
 */
import { defineStage, defineWorkflow } from "@ratchet/kernel";
import { z } from "zod";

/** Stage ids, in order. */
export const STAGES = ["split", "count", "shout", "join"] as const;

/** Stage executions and first-stage start times, per run. */
export class Executions {
  readonly counts = new Map<string, number>();
  /** When `split` (first) started, per run (ms since epoch). */
  readonly started = new Map<string, number>();

  record(runId: string, stageId: string): void {
    const key = `${runId}:${stageId}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (stageId === "split" && !this.started.has(runId)) this.started.set(runId, Date.now());
  }

  of(runId: string, stageId: string): number {
    return this.counts.get(`${runId}:${stageId}`) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

/** What the stages report to: {@link Executions}, or a worker process's own recorder. */
export interface StageRecorder {
  /** Called as each stage starts; the stage waits for it. */
  record(runId: string, stageId: string): void | Promise<void>;
}

/** The pipeline: three groups, the middle one parallel. */
export function pipelineWorkflow(executions: StageRecorder) {
  const split = defineStage({
    id: "split",
    name: "Split",
    schemas: {
      input: z.object({ text: z.string() }),
      output: z.object({ words: z.array(z.string()) }),
    },
    execute: async (ctx) => {
      await executions.record(ctx.workflowRunId, ctx.stageId);
      return { words: ctx.input.text.split(" ") };
    },
  });
  const count = defineStage({
    id: "count",
    name: "Count",
    schemas: { input: split.schemas.output, output: z.object({ n: z.number().int() }) },
    execute: async (ctx) => {
      await executions.record(ctx.workflowRunId, ctx.stageId);
      return { n: ctx.input.words.length };
    },
  });
  const shout = defineStage({
    id: "shout",
    name: "Shout",
    schemas: { input: split.schemas.output, output: z.object({ upper: z.array(z.string()) }) },
    execute: async (ctx) => {
      await executions.record(ctx.workflowRunId, ctx.stageId);
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
    execute: async (ctx) => {
      await executions.record(ctx.workflowRunId, ctx.stageId);
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

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
