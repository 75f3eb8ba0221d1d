/**
 * The simulator's own workflow mix: a sequence, a parallel group, retries with back-off, an
 * async-batch stage, a poll, a sleep and a choice. Their stages are deterministic: whether an
 * attempt fails is a hash of the seed, the run, the stage and the attempt, so it does not
 * depend on which worker runs it or when.
 */
import { z } from "zod";
import { defineAsyncBatchStage, defineStage } from "../../dsl/stage.js";
import { type AnyWorkflow, defineWorkflow } from "../../dsl/workflow.js";
import type { Clock } from "../../ports/clock.js";
import { hashUnit } from "./prng.js";

/** One stage execution, as the simulator's stages record it. */
export interface StageExecution {
  workflowRunId: string;
  stageId: string;
  attempt: number;
}

/** What {@link simulationWorkflows} needs. */
export interface SimulationWorkflowOptions {
  seed: number;
  clock: Clock;
  /** Probability that an attempt of an ordinary stage throws (default 0.15). */
  failureRate?: number;
  /** Every execution is pushed here. */
  executions?: StageExecution[];
}

const any = z.any();
const counter = z.object({ n: z.number() }).passthrough();

/**
 * The workflows the simulator runs when given none. Inputs are `{ n: number }`.
 *
 * @example
 * ```ts
 * const workflows = simulationWorkflows({ seed: 7, clock: new FakeClock() });
 * ```
 */
export function simulationWorkflows(options: SimulationWorkflowOptions): AnyWorkflow[] {
  const rate = options.failureRate ?? 0.15;
  const executions = options.executions;
  const task = (id: string, failureRate = rate, retry?: { maxAttempts: number }) =>
    defineStage({
      id,
      name: id,
      schemas: { input: any, output: counter },
      ...(retry ? { retry: { ...retry, intervalMs: 1_000, backoffRate: 2 } } : {}),
      execute: (ctx) => {
        executions?.push({ workflowRunId: ctx.workflowRunId, stageId: id, attempt: ctx.attempt });
        if (hashUnit(options.seed, ctx.workflowRunId, id, ctx.attempt) < failureRate) {
          throw Object.assign(new Error(`simulated failure of ${id} (attempt ${ctx.attempt})`), {
            code: "SIMULATED_STAGE_FAILURE",
          });
        }
        const input = ctx.input as { n?: unknown } | Record<string, { n?: number }>;
        const n =
          typeof input?.n === "number"
            ? input.n
            : Object.values(input as Record<string, { n?: number }>).reduce(
                (sum, value) => sum + (value?.n ?? 0),
                0,
              );
        return { n: n + 1, [id]: ctx.attempt };
      },
    });

  const batch = defineAsyncBatchStage({
    id: "batch",
    name: "batch",
    schemas: { input: any, output: counter },
    execute: (ctx) => {
      executions?.push({
        workflowRunId: ctx.workflowRunId,
        stageId: "batch",
        attempt: ctx.attempt,
      });
      const n = (ctx.input as { n: number }).n;
      const readyAt = options.clock.now().getTime() + 7_000;
      return { suspended: true, state: { n, readyAt }, pollConfig: { pollIntervalMs: 5_000 } };
    },
    checkCompletion: (state: { n: number; readyAt: number }) =>
      options.clock.now().getTime() >= state.readyAt
        ? { ready: true, output: { n: state.n + 1 } }
        : { ready: false },
  });

  const io = { input: counter, output: any };
  return [
    defineWorkflow({ id: "sim-sequence", name: "sequence", ...io })
      .pipe(task("a"))
      .pipe(task("b"))
      .pipe(task("c"))
      .build(),
    defineWorkflow({ id: "sim-parallel", name: "parallel", ...io })
      .pipe(task("start"))
      .parallel([task("x"), task("y"), task("z")])
      .pipe(task("join"))
      .build(),
    defineWorkflow({ id: "sim-retry", name: "retry", ...io })
      .pipe(task("flaky", 0.5, { maxAttempts: 5 }))
      .pipe(task("after"))
      .build(),
    defineWorkflow({ id: "sim-batch", name: "batch", ...io })
      .pipe(task("prepare"))
      .pipe(batch)
      .pipe(task("finish"))
      .build(),
    defineWorkflow({ id: "sim-poll", name: "poll", ...io })
      .pipe(task("submit"))
      .poll("await", {
        intervalMs: 4_000,
        check: (input: { n: number }, ctx) =>
          ctx.check >= 3 ? { done: true, result: { n: input.n + 1 } } : { done: false },
      })
      .build(),
    defineWorkflow({ id: "sim-sleep", name: "sleep", ...io })
      .pipe(task("before"))
      .sleep("nap", 60_000)
      .pipe(task("wake"))
      .build(),
    defineWorkflow({ id: "sim-choice", name: "choice", ...io })
      .pipe(task("route"))
      .choice("which", {
        choices: [{ condition: (ctx) => (ctx.prev as { n: number }).n % 2 === 0, next: "even" }],
        default: "odd",
      })
      .pipe(task("even"), { next: "done" })
      .pipe(task("odd"))
      .pass("done", { end: true })
      .build(),
  ];
}
