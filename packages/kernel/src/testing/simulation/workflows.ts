/**
 * The simulator's own workflow mix: a sequence, a parallel group, retries with back-off, an
 * async-batch stage, a poll, a sleep, a choice, and the waiting workflows of
 * `wait-workflows.ts` (signals and child runs). Their stages are deterministic: each
 * computes {@link simulatedStep} of its input, and whether an attempt fails is a hash of the
 * seed, the run, the stage and the attempt, so it does not depend on which worker runs it or
 * when. {@link simulationModel} computes the same without the kernel.
 */
import { z } from "zod";
import { defineAsyncBatchStage, defineStage } from "../../dsl/stage.js";
import { type AnyWorkflow, defineWorkflow } from "../../dsl/workflow.js";
import type { Clock } from "../../ports/clock.js";
import {
  counterOf,
  SIMULATED_STAGE_FAILURE,
  SIMULATION_MAX_ATTEMPTS,
  simulatedFailureMessage,
  simulatedStep,
  taskPlan,
} from "./model.js";
import { hashUnit } from "./prng.js";
import { waitWorkflows } from "./wait-workflows.js";

/** One stage execution, as the simulator's stages record it. */
export interface StageExecution {
  workflowRunId: string;
  stageId: string;
  attempt: number;
  /**
   * The input the stage got. When present (even `undefined`), the simulation checks it is its
   * predecessors' committed output (the run's input for a first stage).
   */
  input?: unknown;
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
/** A run's input. */
const counter = z.object({ n: z.number() }).passthrough();
/** A stage's output ({@link simulatedStep}). */
const stepOutput = z.object({ n: z.number(), by: z.string() });
/** Every stage's retry policy unless it sets its own (flow steps included). */
const RETRY = { maxAttempts: SIMULATION_MAX_ATTEMPTS, intervalMs: 1_000, backoffRate: 2 };
/** The custom event every simulated task emits once per attempt (`ctx.emit`). */
const SIM_EVENTS = { "sim.step": z.object({ attempt: z.number().int() }) };

/**
 * The workflows the simulator runs when given none. Inputs are `{ n: number }`; each task
 * stage outputs {@link simulatedStep} of its input's `n` (a parallel group's summed).
 *
 * @example
 * ```ts
 * const workflows = simulationWorkflows({ seed: 7, clock: new FakeClock() });
 * ```
 */
export function simulationWorkflows(options: SimulationWorkflowOptions): AnyWorkflow[] {
  const rate = options.failureRate ?? 0.15;
  const executions = options.executions;
  const task = (id: string) => {
    const plan = taskPlan(id, rate);
    return defineStage({
      id,
      name: id,
      schemas: { input: any, output: stepOutput },
      ...(plan.maxAttempts === RETRY.maxAttempts
        ? {}
        : { retry: { ...RETRY, maxAttempts: plan.maxAttempts } }),
      // Every attempt emits one event, failing ones too: only committed ones may publish it.
      events: SIM_EVENTS,
      execute: (ctx) => {
        executions?.push({
          workflowRunId: ctx.workflowRunId,
          stageId: id,
          attempt: ctx.attempt,
          input: ctx.input,
        });
        ctx.emit("sim.step", { attempt: ctx.attempt });
        if (hashUnit(options.seed, ctx.workflowRunId, id, ctx.attempt) < plan.rate) {
          throw Object.assign(new Error(simulatedFailureMessage(id, ctx.attempt)), {
            code: SIMULATED_STAGE_FAILURE,
          });
        }
        return simulatedStep(id, counterOf(ctx.input));
      },
    });
  };

  const batch = defineAsyncBatchStage({
    id: "batch",
    name: "batch",
    schemas: { input: any, output: stepOutput },
    execute: (ctx) => {
      executions?.push({
        workflowRunId: ctx.workflowRunId,
        stageId: "batch",
        attempt: ctx.attempt,
        input: ctx.input,
      });
      const n = counterOf(ctx.input);
      const readyAt = options.clock.now().getTime() + 7_000;
      return { suspended: true, state: { n, readyAt }, pollConfig: { pollIntervalMs: 5_000 } };
    },
    checkCompletion: (state: { n: number; readyAt: number }) =>
      options.clock.now().getTime() >= state.readyAt
        ? { ready: true, output: simulatedStep("batch", state.n) }
        : { ready: false },
  });

  const io = { input: counter, output: any };
  const workflow = (id: string, name: string) =>
    defineWorkflow({ id, name, ...io }).defaultRetry(RETRY);
  return [
    workflow("sim-sequence", "sequence").pipe(task("a")).pipe(task("b")).pipe(task("c")).build(),
    workflow("sim-parallel", "parallel")
      .pipe(task("start"))
      .parallel([task("x"), task("y"), task("z")])
      .pipe(task("join"))
      .build(),
    workflow("sim-retry", "retry").pipe(task("flaky")).pipe(task("after")).build(),
    workflow("sim-batch", "batch").pipe(task("prepare")).pipe(batch).pipe(task("finish")).build(),
    workflow("sim-poll", "poll")
      .pipe(task("submit"))
      .poll("await", {
        intervalMs: 4_000,
        check: (input: unknown, ctx) =>
          ctx.check >= 3
            ? { done: true, result: simulatedStep("await", counterOf(input)) }
            : { done: false },
      })
      .build(),
    workflow("sim-sleep", "sleep")
      .pipe(task("before"))
      .sleep("nap", 60_000)
      .pipe(task("wake"))
      .build(),
    workflow("sim-choice", "choice")
      .pipe(task("route"))
      .choice("which", {
        choices: [{ condition: (ctx) => counterOf(ctx.prev) % 2 === 0, next: "even" }],
        default: "odd",
      })
      .pipe(task("even"), { next: "done" })
      .pipe(task("odd"))
      .pass("done", { end: true })
      .build(),
    ...waitWorkflows({ task, workflow, retry: RETRY }),
  ];
}
