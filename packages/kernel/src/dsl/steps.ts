/**
 * Control-flow steps compiled to ordinary stages: a choice, a loop and a pass step each run as
 * one stage (one job) whose result may be a `Route`; a sleep step suspends its stage until a
 * scheduled wake-up; a poll step is an async-batch stage whose checks run every interval. They
 * are built by `WorkflowBuilder` and by the `workflow()` builder alike.
 */
import { z } from "zod";
import { decodeValue, encodeValue } from "../codec.js";
import { NonRetryableError, WorkflowDefinitionError } from "../errors.js";
import type { CompletionContext, StageContext, StageLogger, StepView } from "./context.js";
import { type LoopLimits, route, sleepFor } from "./flow.js";
import type { AnyStage, CompletionCheck, StepType } from "./stage.js";

/** One branch of a choice. */
export interface ChoiceBranch<TPrev = unknown> {
  /** Evaluated in order; the first that returns true wins. */
  condition: (ctx: StepView<TPrev>) => boolean | Promise<boolean>;
  /** The step the run goes to. */
  next: string;
}

/** Options of a choice step. */
export interface ChoiceStepOptions<TPrev = unknown> {
  choices: readonly ChoiceBranch<TPrev>[];
  /** Where the run goes when no condition holds (else it fails with `NO_CHOICE_MATCHED`). */
  default?: string;
}

/** Options of a loop step. */
export interface LoopStepOptions<TPrev = unknown> extends LoopLimits {
  /** While it holds, the run jumps back to `target`. */
  condition: (ctx: StepView<TPrev>) => boolean | Promise<boolean>;
  /** An earlier step (or this one's group) to jump back to. */
  target: string;
}

/** Options of a pass step. */
export interface PassStepOptions<TPrev = unknown, TOut = TPrev> {
  /** Computes the step's output from the run's context. */
  transform?: (ctx: StepView<TPrev>) => TOut | Promise<TOut>;
  /** A static output (when there is no `transform`). */
  result?: TOut;
  /** The step the run goes to next. */
  next?: string;
  /** Ends the run with this step's output. */
  end?: boolean;
}

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const anything = z.any();

/** The view of the run a step's functions get. */
export function stepView<TPrev>(ctx: StageContext): StepView<TPrev> {
  return {
    get input() {
      return ctx.workflowInput;
    },
    prev: ctx.input as TPrev,
    get steps() {
      return ctx.workflowContext;
    },
    metadata: ctx.metadata,
    getMetadata: (key) => ctx.getMetadata(key),
    getStepResult: <T>(stepId: string) => ctx.optional<T>(stepId),
  };
}

function checkId(id: string, what: string): void {
  if (typeof id !== "string" || !STEP_ID.test(id)) {
    throw new WorkflowDefinitionError(
      "INVALID_STAGE_ID",
      `[ratchet] ${what} id ${JSON.stringify(id)} is invalid`,
      { stageId: String(id), field: "id" },
    );
  }
}

function needFunction(id: string, field: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] step "${id}": ${field} must be a function`,
      { stageId: id, field },
    );
  }
}

/** A stage of a control-flow step (any input, any output; checks look through it). */
function flowStage(
  id: string,
  stepType: StepType,
  routes: readonly string[] | undefined,
  passThrough: boolean,
  execute: (ctx: StageContext) => Promise<unknown>,
  extra: Partial<AnyStage> = {},
): AnyStage {
  return Object.freeze({
    kind: "stage",
    id,
    name: id,
    description: undefined,
    schemas: { input: anything, output: anything, config: z.object({}) },
    retry: undefined,
    timeoutMs: undefined,
    ...(routes ? { flow: Object.freeze({ routes: Object.freeze([...routes]), passThrough }) } : {}),
    stepType,
    execute,
    ...extra,
  }) as unknown as AnyStage;
}

/** A choice step (see `WorkflowBuilder.choice`). */
export function choiceStep<TPrev>(id: string, options: ChoiceStepOptions<TPrev>): AnyStage {
  checkId(id, "choice");
  if (!Array.isArray(options?.choices) || options.choices.length === 0) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] choice "${id}" needs at least one entry in choices`,
      { stageId: id, field: "choices" },
    );
  }
  options.choices.forEach((branch, i) => {
    needFunction(id, `choices[${i}].condition`, branch?.condition);
  });
  const targets = options.choices.map((branch) => branch.next);
  if (options.default !== undefined) targets.push(options.default);
  return flowStage(id, "choice", targets, true, async (ctx) => {
    const view = stepView<TPrev>(ctx);
    for (const branch of options.choices) {
      if (await branch.condition(view)) return route(ctx.input, { to: branch.next });
    }
    if (options.default !== undefined) return route(ctx.input, { to: options.default });
    throw new NonRetryableError(
      `[ratchet] choice "${id}": no condition held and there is no default`,
      { code: "NO_CHOICE_MATCHED", stageId: id, workflowRunId: ctx.workflowRunId },
    );
  });
}

/** A loop step (see `WorkflowBuilder.loop`). */
export function loopStep<TPrev>(id: string, options: LoopStepOptions<TPrev>): AnyStage {
  checkId(id, "loop");
  needFunction(id, "condition", options?.condition);
  if (options.target === id) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] loop "${id}": target must be an earlier step, not the loop itself`,
      { stageId: id, field: "target" },
    );
  }
  for (const field of ["maxIterations", "timeoutMs", "intervalMs"] as const) {
    const value = options[field];
    if (value === undefined) continue;
    const ok = field === "maxIterations" ? Number.isInteger(value) && value >= 1 : value >= 0;
    if (typeof value !== "number" || !Number.isFinite(value) || !ok) {
      throw new WorkflowDefinitionError(
        "INVALID_STEP",
        `[ratchet] loop "${id}": ${field} must be ${field === "maxIterations" ? "an integer >= 1" : "a number of ms >= 0"}`,
        { stageId: id, field },
      );
    }
  }
  const limits: LoopLimits = {};
  if (options.maxIterations !== undefined) limits.maxIterations = options.maxIterations;
  if (options.timeoutMs !== undefined) limits.timeoutMs = options.timeoutMs;
  if (options.intervalMs !== undefined) limits.intervalMs = options.intervalMs;
  return flowStage(id, "loop", [options.target], true, async (ctx) => {
    const again = Boolean(await options.condition(stepView<TPrev>(ctx)));
    return again
      ? route(ctx.input, { to: options.target, loop: { again: true, ...limits } })
      : route(ctx.input, { loop: { again: false } });
  });
}

/** A pass step (see `WorkflowBuilder.pass`). */
export function passStep<TPrev, TOut>(id: string, options: PassStepOptions<TPrev, TOut>): AnyStage {
  checkId(id, "pass");
  if (options.transform !== undefined) needFunction(id, "transform", options.transform);
  const { transform } = options;
  const hasResult = "result" in options && options.result !== undefined;
  // Encoded once here (a result that cannot be stored fails at definition), decoded per run
  // so no run can change another's copy.
  let stored: ReturnType<typeof encodeValue> | undefined;
  if (hasResult) {
    try {
      stored = encodeValue(options.result, "result");
    } catch (error) {
      throw new WorkflowDefinitionError(
        "INVALID_STEP",
        `[ratchet] pass "${id}": result cannot be stored: ${(error as Error).message}`,
        { stageId: id, field: "result" },
      );
    }
  }
  return flowStage(id, "pass", [], !transform && !hasResult, async (ctx) => {
    if (transform) return transform(stepView<TPrev>(ctx));
    return stored !== undefined ? decodeValue(stored) : ctx.input;
  });
}

/** Options of a sleep step: how long, or until when (a date, or a function of the run). */
export type SleepStepOptions<TPrev = unknown> =
  | number
  | { ms: number }
  | { until: Date | ((ctx: StepView<TPrev>) => Date | Promise<Date>) };

/** What a poll step's `check` returns: done with a result, or not yet. */
export type PollCheckResult<TResult> = { done: true; result: TResult } | { done: false };

/** What a poll step's `check` sees besides its input. */
export interface PollCheckContext<TPrev = unknown> extends StepView<TPrev> {
  /** 1 for the first check. */
  check: number;
  /** Fired when the run is cancelled or times out. */
  signal: AbortSignal;
  log: StageLogger;
}

/** Options of a poll step. */
export interface PollStepOptions<TPrev = unknown, TResult = unknown> {
  /** Called with the step's input until it returns `{ done: true, result }`; a throw fails the step. */
  check: (
    input: TPrev,
    ctx: PollCheckContext<TPrev>,
  ) => PollCheckResult<TResult> | Promise<PollCheckResult<TResult>>;
  /** Time between checks (ms). */
  intervalMs: number;
  /** Fail with `POLL_TIMEOUT` when not done this long after the first check (ms). */
  timeoutMs?: number;
  /** Fail with `POLL_MAX_ATTEMPTS` after this many checks that were not done. */
  maxAttempts?: number;
  /** Validates `result` (default: anything). */
  outputSchema?: z.ZodType<TResult>;
}

function checkMs(id: string, what: string, field: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] ${what} "${id}": ${field} must be a number >= ${min}`,
      { stageId: id, field },
    );
  }
}

/** A sleep step (see `WorkflowBuilder.sleep`): hands its input on after the wait. */
export function sleepStep<TPrev>(id: string, options: SleepStepOptions<TPrev>): AnyStage {
  checkId(id, "sleep");
  const opts = typeof options === "number" ? { ms: options } : options;
  let until: ((ctx: StepView<TPrev>) => Date | Promise<Date>) | Date | undefined;
  let ms: number | undefined;
  if (opts && typeof opts === "object" && "until" in opts) {
    const value = opts.until;
    if (!(value instanceof Date && !Number.isNaN(value.getTime())) && typeof value !== "function") {
      throw new WorkflowDefinitionError(
        "INVALID_STEP",
        `[ratchet] sleep "${id}": until must be a valid Date or a function returning one`,
        { stageId: id, field: "until" },
      );
    }
    until = value;
  } else {
    ms = (opts as { ms?: number } | undefined)?.ms;
    checkMs(id, "sleep", "ms", ms, 0);
  }
  return flowStage(id, "sleep", undefined, true, async (ctx) => {
    if (until === undefined) return sleepFor({ delayMs: ms as number });
    const at = until instanceof Date ? until : await until(stepView<TPrev>(ctx));
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new NonRetryableError(`[ratchet] sleep "${id}": until did not return a valid Date`, {
        code: "INVALID_SLEEP_UNTIL",
        stageId: id,
        workflowRunId: ctx.workflowRunId,
      });
    }
    return sleepFor({ until: at });
  });
}

/** The poll step's state while it waits: its input and when it started. */
interface PollState {
  input: unknown;
}

/** A poll step (see `WorkflowBuilder.poll`). */
export function pollStep<TPrev, TResult>(
  id: string,
  options: PollStepOptions<TPrev, TResult>,
): AnyStage {
  checkId(id, "poll");
  needFunction(id, "check", options?.check);
  checkMs(id, "poll", "intervalMs", options.intervalMs, 1);
  if (options.timeoutMs !== undefined) checkMs(id, "poll", "timeoutMs", options.timeoutMs, 1);
  const max = options.maxAttempts;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] poll "${id}": maxAttempts must be an integer >= 1`,
      { stageId: id, field: "maxAttempts" },
    );
  }
  const view = (
    ctx: StageContext | CompletionContext,
    input: unknown,
    check: number,
  ): PollCheckContext<TPrev> => ({
    get input() {
      return ctx.workflowInput;
    },
    prev: input as TPrev,
    get steps() {
      return ctx.workflowContext;
    },
    metadata: ctx.metadata,
    getMetadata: (key) => ctx.getMetadata(key),
    getStepResult: <T>(stepId: string) => ctx.optional<T>(stepId),
    check,
    signal: ctx.signal,
    log: ctx.log,
  });
  const execute = async (ctx: StageContext): Promise<unknown> => {
    let first: PollCheckResult<TResult>;
    try {
      first = await options.check(ctx.input as TPrev, view(ctx, ctx.input, 1));
    } catch (error) {
      // Like a later check's: the poll is its own retry loop, so a throw fails the step.
      const code = (error as { code?: unknown })?.code;
      throw new NonRetryableError(String((error as Error)?.message ?? error), {
        code: typeof code === "string" ? code : "POLL_CHECK_FAILED",
        stageId: id,
        workflowRunId: ctx.workflowRunId,
        cause: error,
      });
    }
    if (first?.done === true) return first.result;
    if (max === 1) throw maxAttemptsError(id, 1, ctx.workflowRunId);
    const state: PollState = { input: ctx.input };
    return {
      suspended: true,
      state,
      pollConfig: {
        pollIntervalMs: options.intervalMs,
        ...(options.timeoutMs !== undefined
          ? { maxWaitMs: options.timeoutMs, maxWaitCode: "POLL_TIMEOUT" }
          : {}),
      },
    };
  };
  const checkCompletion = async (
    state: unknown,
    ctx: CompletionContext,
  ): Promise<CompletionCheck<unknown>> => {
    const { input } = state as PollState;
    const n = ctx.checks + 2;
    let result: PollCheckResult<TResult>;
    try {
      result = await options.check(input as TPrev, view(ctx, input, n));
    } catch (error) {
      const err = error as { code?: unknown; message?: unknown };
      return {
        ready: false,
        error: String(err?.message ?? error),
        code: typeof err?.code === "string" ? err.code : "POLL_CHECK_FAILED",
      };
    }
    if (result?.done === true) return { ready: true, output: result.result };
    if (max !== undefined && n >= max) {
      const e = maxAttemptsError(id, n, ctx.workflowRunId);
      return { ready: false, error: e.message, code: "POLL_MAX_ATTEMPTS" };
    }
    return { ready: false };
  };
  return flowStage(id, "poll", undefined, false, execute, {
    kind: "async-batch",
    schemas: { input: anything, output: options.outputSchema ?? anything, config: z.object({}) },
    checkCompletion,
  });
}

function maxAttemptsError(id: string, checks: number, runId: string): NonRetryableError {
  return new NonRetryableError(
    `[ratchet] poll "${id}" was not done after ${checks} check(s) (maxAttempts)`,
    { code: "POLL_MAX_ATTEMPTS", stageId: id, workflowRunId: runId },
  );
}
