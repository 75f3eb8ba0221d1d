/**
 * The simulation's model of the work: what each run must compute and why an attempt may fail,
 * worked out from the run's input and the seed alone, never from the kernel. The invariant
 * checker compares the store against it (outputs of completed runs and stages, the causes of
 * failed runs); {@link simulationModel} is the model of the simulator's own workflows.
 */
import type { InMemoryStore } from "../../in-memory/store.js";
import type { RunRecord, StageRecord } from "../../records.js";
import { hash32, hashUnit } from "./prng.js";
import type { SignalLog } from "./signal-log.js";
import { waitModel } from "./wait-model.js";

/**
 * What a run must compute: its output, and each stage's input and output on its path. A value
 * that depends on what reached the run from outside (a signal, a child run's end) is
 * `Judged` (see `expectations.ts`): the checker asks it about the value the run committed.
 */
export interface ExpectedRun {
  /** The output a `COMPLETED` run must have. */
  output: unknown;
  /** Each stage the run goes through (a choice's branch not taken is absent), by stage id. */
  stages: ReadonlyMap<string, { input: unknown; output: unknown }>;
}

/** Why an attempt fails, as the stage's own error (the code and message it throws). */
export interface PlannedFailure {
  code: string;
  message: string;
}

/**
 * The simulated work, computed without the kernel. `simulate` checks every run of a workflow
 * the model knows against it; return `undefined` for anything it does not know.
 */
export interface SimulationModel {
  /** What a run of `workflowId` with `input` must compute (`undefined`: not known). */
  expect(workflowId: string, input: unknown): ExpectedRun | undefined;
  /** Whether attempt `attempt` of the stage fails, and how (`null`: it succeeds). */
  attemptFailure(
    workflowId: string,
    runId: string,
    stageId: string,
    attempt: number,
  ): PlannedFailure | null;
  /** How many attempts the stage is allowed (`undefined`: not known). */
  maxAttempts(workflowId: string, stageId: string): number | undefined;
  /**
   * For failures the fault plan alone cannot explain (a child step's, whose child run ended
   * badly): why the run's failure at `stage` is wrong, `null` when it is right, `undefined` to
   * leave it to the plan.
   */
  explainFailure?(
    run: RunRecord,
    stage: StageRecord,
    store: InMemoryStore,
  ): string | null | undefined;
}

/** The output of one of the simulator's task stages: a number and who computed it. */
export interface Counter {
  n: number;
  by: string;
}

/**
 * What the simulator's stage `stageId` computes from `n`: a hash-like step, so a stage fed
 * anything but its predecessors' outputs (or run twice on its own output) computes a
 * different number.
 */
export function simulatedStep(stageId: string, n: number): Counter {
  return { n: (n * 31 + (hash32(stageId) % 997)) % 1_000_003, by: stageId };
}

/** The number a stage input stands for: its `n`, or the sum of a parallel group's `n`s. */
export function counterOf(input: unknown): number {
  if (typeof input !== "object" || input === null) return 0;
  const n = (input as { n?: unknown }).n;
  if (typeof n === "number") return n;
  let sum = 0;
  for (const value of Object.values(input as Record<string, { n?: unknown } | null>)) {
    const part = value?.n;
    if (typeof part === "number") sum += part;
  }
  return sum;
}

/** Options of {@link simulationModel} (the same as the workflows'). */
export interface SimulationModelOptions {
  seed: number;
  /** Probability that an attempt of an ordinary task stage throws (default 0.15). */
  failureRate?: number;
  /** The signals the simulation sent, to judge the signal steps' outputs by. */
  signals?: SignalLog;
}

/** Failure rate and allowed attempts of the simulator's task stages that differ from the rest. */
const FLAKY = { rate: 0.5, maxAttempts: 5 };
/** The one task of the child workflow `sim-risky`: it fails half of the time, with no retry. */
const RISKY = { rate: 0.5, maxAttempts: 1 };
/** Attempts of every other stage of the simulator's workflows (their `defaultRetry`). */
export const SIMULATION_MAX_ATTEMPTS = 3;

/** Task stages (the ones that may fail), by workflow. */
const TASKS: Readonly<Record<string, readonly string[]>> = {
  "sim-sequence": ["a", "b", "c"],
  "sim-parallel": ["start", "x", "y", "z", "join"],
  "sim-retry": ["flaky", "after"],
  "sim-batch": ["prepare", "finish"],
  "sim-poll": ["submit"],
  "sim-sleep": ["before", "wake"],
  "sim-choice": ["route", "even", "odd"],
  "sim-signal": ["ask", "done"],
  "sim-signal-timeout": ["ask", "done"],
  "sim-signal-key": ["ask", "done"],
  "sim-signal-key-timeout": ["ask"],
  "sim-parent": ["plan", "done"],
  "sim-kid": ["work"],
  "sim-risky": ["risky"],
};

/** The failure rate and allowed attempts of a task stage of the simulator's workflows. */
export function taskPlan(
  stageId: string,
  failureRate: number,
): { rate: number; maxAttempts: number } {
  if (stageId === "flaky") return FLAKY;
  if (stageId === "risky") return RISKY;
  return { rate: failureRate, maxAttempts: SIMULATION_MAX_ATTEMPTS };
}

/** The message a simulated stage failure has. */
export function simulatedFailureMessage(stageId: string, attempt: number): string {
  return `simulated failure of ${stageId} (attempt ${attempt})`;
}

/** Code of a simulated stage failure. */
export const SIMULATED_STAGE_FAILURE = "SIMULATED_STAGE_FAILURE";

/**
 * The model of {@link simulationWorkflows}: each task stage computes {@link simulatedStep} of
 * its input, an attempt fails when `hashUnit(seed, runId, stageId, attempt)` is below the
 * stage's rate, the batch and poll steps compute a step of their input, the sleep, choice and
 * pass steps hand their input on, and a choice takes `even` for an even number; the waiting
 * workflows' signals and children are judged as `wait-model.ts` says.
 *
 * @example
 * ```ts
 * const model = simulationModel({ seed: 7 });
 * model.expect("sim-sequence", { n: 1 })?.output; // { n: …, by: "c" }
 * ```
 */
export function simulationModel(options: SimulationModelOptions): SimulationModel {
  const rate = options.failureRate ?? 0.15;
  const waits = waitModel({
    ...(options.signals ? { signals: options.signals } : {}),
    step: (stageId, input) => simulatedStep(stageId, counterOf(input)),
    maxAttempts: SIMULATION_MAX_ATTEMPTS,
  });
  return {
    expect: (workflowId, input) =>
      expectedRun(workflowId, input) ?? waits.expect(workflowId, input),
    explainFailure: waits.explainFailure,
    attemptFailure: (workflowId, runId, stageId, attempt) => {
      if (!TASKS[workflowId]?.includes(stageId)) return null;
      if (hashUnit(options.seed, runId, stageId, attempt) >= taskPlan(stageId, rate).rate)
        return null;
      return { code: SIMULATED_STAGE_FAILURE, message: simulatedFailureMessage(stageId, attempt) };
    },
    maxAttempts: (workflowId, stageId) => {
      if (TASKS[workflowId] === undefined) return undefined;
      return taskPlan(stageId, rate).maxAttempts;
    },
  };
}

/** The path and values of a run of one of the simulator's workflows with `input`. */
function expectedRun(workflowId: string, input: unknown): ExpectedRun | undefined {
  if (typeof (input as { n?: unknown } | null)?.n !== "number") return undefined;
  const stages = new Map<string, { input: unknown; output: unknown }>();
  const step = (
    id: string,
    from: unknown,
    output: unknown = simulatedStep(id, counterOf(from)),
  ) => {
    stages.set(id, { input: from, output });
    return output;
  };
  const chain = (ids: readonly string[], from: unknown) =>
    ids.reduce<unknown>((prev, id) => step(id, prev), from);
  let output: unknown;
  switch (workflowId) {
    case "sim-sequence":
      output = chain(["a", "b", "c"], input);
      break;
    case "sim-parallel": {
      const start = step("start", input);
      const group = Object.fromEntries(["x", "y", "z"].map((id) => [id, step(id, start)]));
      output = step("join", group);
      break;
    }
    case "sim-retry":
      output = chain(["flaky", "after"], input);
      break;
    case "sim-batch":
      output = chain(["prepare", "batch", "finish"], input);
      break;
    case "sim-poll":
      output = chain(["submit", "await"], input);
      break;
    case "sim-sleep": {
      const before = step("before", input);
      output = step("wake", step("nap", before, before));
      break;
    }
    case "sim-choice": {
      const route = step("route", input);
      step("which", route, route);
      const branch = step(counterOf(route) % 2 === 0 ? "even" : "odd", route);
      output = step("done", branch, branch);
      break;
    }
    default:
      return undefined;
  }
  return { output, stages };
}
