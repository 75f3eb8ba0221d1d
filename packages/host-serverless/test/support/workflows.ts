/**
 * Workflows the host tests run. Every stage counts its executions per run in a shared
 * {@link Executions}, so tests can check each stage ran exactly once.
 */
import { defineStage, defineWorkflow, NonRetryableError } from "@ratchet/kernel";
import { z } from "zod";

/** Stage executions, keyed `runId:stageId`. */
export class Executions {
  readonly counts = new Map<string, number>();

  /** Records one execution of `stageId` in `runId`. */
  record(runId: string, stageId: string): void {
    const key = `${runId}:${stageId}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Executions of `stageId` in `runId`. */
  of(runId: string, stageId: string): number {
    return this.counts.get(`${runId}:${stageId}`) ?? 0;
  }

  /** Every execution, summed. */
  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}

/** Stage ids of {@link pipelineWorkflow}, in order. */
export const PIPELINE_STAGES = ["split", "count", "shout", "join"] as const;

/** split → (count ∥ shout) → join: three groups, the middle one parallel. */
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
    schemas: { input: split.schemas.output, output: z.object({ upper: z.array(z.string()) }) },
    execute: (ctx) => {
      executions.record(ctx.workflowRunId, ctx.stageId);
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

/** Input of {@link taskWorkflow}. */
export interface TaskInput {
  /** Sleeps this long first. */
  delayMs?: number;
  /** Throws a non-retryable error: the stage and run fail for good. */
  fail?: boolean;
  /** Throws a plain error: the stage is retried (up to 3 attempts, 50 ms back-off). */
  flaky?: boolean;
}

/** One stage, `task`, whose behaviour the input chooses (sleep, fail, retry). */
export function taskWorkflow(executions: Executions) {
  const task = defineStage({
    id: "task",
    name: "Task",
    retry: { maxAttempts: 3, backoffMs: 50, maxBackoffMs: 50 },
    schemas: {
      input: z.object({
        delayMs: z.number().int().nonnegative().optional(),
        fail: z.boolean().optional(),
        flaky: z.boolean().optional(),
      }),
      output: z.object({ ok: z.literal(true) }),
    },
    execute: async (ctx) => {
      executions.record(ctx.workflowRunId, ctx.stageId);
      if (ctx.input.delayMs) await new Promise((r) => setTimeout(r, ctx.input.delayMs));
      if (ctx.input.fail) throw new NonRetryableError("task told to fail");
      if (ctx.input.flaky) throw new Error("task told to retry");
      return { ok: true as const };
    },
  });
  return defineWorkflow({
    id: "task",
    name: "Task",
    input: task.schemas.input,
    output: task.schemas.output,
  })
    .pipe(task)
    .build();
}
