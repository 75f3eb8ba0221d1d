/**
 * Control-flow steps compiled to ordinary stages: a choice, a loop and a pass step each run as
 * one stage (one job) whose result may be a `Route`. They are built by `WorkflowBuilder` and by
 * the `workflow()` builder alike; the waiting steps (sleep, poll) are in `wait-steps.ts`.
 */
import { z } from "zod";
import { decodeValue, encodeValue } from "../codec.js";
import { NonRetryableError, WorkflowDefinitionError } from "../errors.js";
import type { StageContext, StepView } from "./context.js";
import { type LoopLimits, route } from "./flow.js";
import type { AnyStage, StepType } from "./stage.js";

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
/** The schema of a step's input and output when it takes anything. */
export const anything = z.any();

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

/** Checks a step id (`INVALID_STAGE_ID`, field `id`). */
export function checkId(id: string, what: string): void {
  if (typeof id !== "string" || !STEP_ID.test(id)) {
    throw new WorkflowDefinitionError(
      "INVALID_STAGE_ID",
      `[ratchet] ${what} id ${JSON.stringify(id)} is invalid`,
      { stageId: String(id), field: "id" },
    );
  }
}

/** Checks that an option is a function (`INVALID_STEP`, naming the field). */
export function needFunction(id: string, field: string, value: unknown): void {
  if (typeof value !== "function") {
    throw new WorkflowDefinitionError(
      "INVALID_STEP",
      `[ratchet] step "${id}": ${field} must be a function`,
      { stageId: id, field },
    );
  }
}

/**
 * A stage of a control-flow step (any input, any output). With `routes` it may return a
 * `Route` to them, and `passThrough` lets schema checks look through it; `extra` overrides
 * fields (e.g. `kind` and `checkCompletion` of a poll).
 */
export function flowStage(
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
