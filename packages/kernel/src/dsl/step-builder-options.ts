/**
 * The options of the `workflow()` builder's steps (see `step-builder.ts`), typed loosely
 * where the seed API is (step outputs and inputs are `any`).
 */
import type { StageLogger } from "./context.js";
import type { StepFlowContext } from "./step-builder-task.js";
import type { PollCheckResult } from "./wait-steps.js";

// biome-ignore lint/suspicious/noExplicitAny: the seed API types step outputs and inputs loosely
type Loose = any;

/** One branch of a choice step. */
export interface StepChoice {
  /** Evaluated in order; the first that returns true wins. */
  condition: (ctx: StepFlowContext) => boolean | Promise<boolean>;
  /** The step the run goes to. */
  next: string;
}

/** Options of `.choice(id, options)`. */
export interface StepChoiceOptions {
  choices: readonly StepChoice[];
  /** Where the run goes when no condition holds (else it fails with `NO_CHOICE_MATCHED`). */
  default?: string;
}

/** Options of `.parallel(id, options)`. */
export interface StepParallelOptions {
  /** Branches built with `workflow.branch(name)…build()`; they run at the same time. */
  branches: readonly StepBranch[];
  /**
   * `"fail-fast"` (the default): a failed branch fails the run at once, cancelling the others.
   * `"wait-all"`: every branch runs to its end (retries included); then, if any failed, the
   * parallel fails with `PARALLEL_BRANCHES_FAILED`, naming each failed branch and its error.
   */
  onError?: "fail-fast" | "wait-all";
  /** The step the run goes to after the branches. */
  next?: string;
  /** Ends the run with the parallel's output. */
  end?: boolean;
}

/** Options of `.pass(id, options)`: `transform`, or a static `result`, or neither (hand on the input). */
export interface StepPassOptions {
  /** Computes the step's output from the run's context. */
  transform?: (ctx: StepFlowContext) => unknown;
  /** A static output (when there is no `transform`). */
  result?: unknown;
  /** The step the run goes to next. */
  next?: string;
  /** Ends the run with this step's output. */
  end?: boolean;
}

/** What a poll step's `check` sees besides its input. */
export interface StepPollContext extends StepFlowContext {
  /** 1 for the first check. */
  check: number;
  /** Fired when the run is cancelled or times out. */
  signal: AbortSignal;
  log: StageLogger;
}

/** Options of `.poll(id, options)`. */
export interface StepPollOptions<TResult = Loose> {
  /** Time between checks (ms). */
  interval: number;
  /** Fail with `POLL_TIMEOUT` when not done this long after the first check (ms). */
  timeout?: number;
  /** Fail with `POLL_MAX_ATTEMPTS` after this many checks that were not done. */
  maxAttempts?: number;
  /** Called with the step's input until it returns `{ done: true, result }`; a throw fails the step. */
  check: (
    input: Loose,
    ctx: StepPollContext,
  ) => PollCheckResult<TResult> | Promise<PollCheckResult<TResult>>;
}

/** Options of `.loop(id, options)`. */
export interface StepLoopOptions {
  /** While it holds, the run jumps back to `target` with this step's input. */
  condition: (ctx: StepFlowContext) => boolean | Promise<boolean>;
  /** An earlier step to jump back to. */
  target: string;
  /** Wait before each new iteration (ms; a scheduled start, never a sleep). */
  interval?: number;
  /** Iterations allowed (default 100); past it the run fails with `LOOP_LIMIT_REACHED`. */
  maxIterations?: number;
  /** From the first iteration (ms); past it the run fails with `LOOP_TIMEOUT`. */
  timeout?: number;
}

/** Options of `.sleep(id, wait)`: ms, `{ ms }`, or `{ until }` (a date or a function of the run). */
export type StepSleepOptions =
  | number
  | { ms: number }
  | { until: Date | ((ctx: StepFlowContext) => Date | Promise<Date>) };

/** A built parallel branch (`workflow.branch(name)…build()`), for `.parallel({ branches })`. */
export interface StepBranch {
  readonly kind: "branch";
  /** The branch's name: its key in the parallel's output. */
  readonly name: string;
  /** The ids of its steps, in order. */
  readonly stepIds: readonly string[];
}
