/**
 * Tasks of the `workflow()` builder (see `step-builder.ts`): their options, the context their
 * handlers get, and how they compile to kernel stages — one stage per task, or one stage per
 * multi-step parallel branch whose tasks run in order inside it.
 */
import { z } from "zod";
import { decodeValue, type encodeValue } from "../codec.js";
import { NonRetryableError, WorkflowDefinitionError } from "../errors.js";
import { zodIssues } from "../internal/values/zod-issues.js";
import type { BreakerOption } from "./breaker.js";
import type { CompensateFn } from "./compensation.js";
import type { EventSchemas, StageContext, StageLogger } from "./context.js";
import { type IsolationOption, resolveIsolation } from "./isolation.js";
import type { StageRetryPolicy } from "./retry-policy.js";
import { type AnyStage, defineStage } from "./stage.js";
import { optOut, taskIsolation } from "./step-builder-isolation.js";
import { checkKnownOptions } from "./step-builder-known.js";

// biome-ignore lint/suspicious/noExplicitAny: the seed API types step outputs and inputs loosely
type Loose = any;

/**
 * What the conditions of choices and loops, the transforms of pass steps and the `until` of
 * sleeps see. Like `StepView`, typed loosely so `ctx.steps.validate.inStock` compiles.
 */
export interface StepFlowContext {
  /** The run's input (after the workflow's input schema). */
  input: Loose;
  /** The step's own input: the output of the step the run came from. */
  prev: Loose;
  /** Outputs of the steps completed before this one, by step id (the latest, in a loop). */
  steps: Readonly<Record<string, Loose>>;
  /** The run's metadata. */
  metadata: Readonly<Record<string, Loose>>;
  /** A metadata key, or `undefined`. */
  getMetadata<T = Loose>(key: string): T | undefined;
  /** A step's output, or `undefined`. */
  getStepResult<T = Loose>(stepId: string): T | undefined;
}

/**
 * The context of a task handler (the seed's `WorkflowContext`): the run's input, earlier
 * outputs, metadata, plugins and a logger — plus every `StageContext` field except `input`
 * (which here is the workflow input; the stage's own input is `prev`).
 */
export interface TaskContext extends Omit<StageContext, "input" | "metadata" | "plugins"> {
  /** The run's input (after the workflow's input schema). */
  input: Loose;
  /** Outputs of the steps completed before this one, by step id (in a branch: with the branch's earlier tasks). */
  steps: Readonly<Record<string, Loose>>;
  /** The step's input before its `inputSchema`: the output of the step the run came from. */
  prev: Loose;
  /** A step's output (as in `steps`), or `undefined`. */
  getStepResult<T = Loose>(stepId: string): T | undefined;
  /** The run's metadata as it was when this attempt started (see `setMetadata`). */
  metadata: Readonly<Record<string, Loose>>;
  /** The services of `KernelConfig.plugins`, by name. */
  plugins: Readonly<Record<string, Loose>>;
  /** Core services: only the stage's logger (lines are stored with the stage's result). */
  core: { logger: StageLogger };
  /** The stage's logger (`ctx.log`), by the seed's name. */
  logger: StageLogger;
  /** The run: its id and the workflow's name (which is its id). */
  instance: { id: string; workflowName: string };
}

/** A task input mapper: the previous step's output and the run's input → the handler's input. */
export type TaskInputMapper<TIn> = (prev: Loose, workflowInput: Loose) => TIn;

/** Options of a task (`.task(id, options)`). */
export interface TaskOptions<TIn = Loose, TOut = Loose> {
  /**
   * A zod schema validating the step's input (the workflow input for the first step, else the
   * previous step's output), or a mapper `(prev, workflowInput) => input`. Default: the
   * previous step's output (the workflow input for the first step), unchecked.
   */
  inputSchema?: z.ZodType<TIn> | TaskInputMapper<TIn>;
  /** Validates the handler's result (an invalid one fails the step without retries). */
  outputSchema?: z.ZodType<Loose, TOut>;
  /** Does the work; its result is the step's output. */
  handler: (input: TIn, ctx: TaskContext) => NoInfer<TOut> | Promise<NoInfer<TOut>>;
  /** The step's retry policy, over the workflow's `defaultRetry` field by field. */
  retry?: StageRetryPolicy;
  /** Each attempt is aborted (`ctx.signal`) and fails after this long (ms); enforced by the host. */
  timeout?: number;
  /**
   * Undoes the step when the run fails or is cancelled after it completed (a saga): `ctx` has
   * the step's `input` (what it received, before an `inputSchema` mapper) and `output`.
   * Durable, newest completion first, with retries.
   */
  compensate?: CompensateFn<Loose, TOut>;
  /** The compensation's retry policy, over the step's own field by field. */
  compensateRetry?: StageRetryPolicy;
  /**
   * A named circuit breaker guarding the step, shared by every worker on the database: while
   * it is open the step is deferred, not failed (see docs/workflows.md, "Circuit breakers").
   */
  breaker?: BreakerOption;
  /** The step the run goes to next (instead of the one declared after it). */
  next?: string;
  /** Ends the run with this step's output. */
  end?: boolean;
  /** Custom events the handler may emit with `ctx.emit`, by name, with their payload schemas. */
  events?: EventSchemas;
  /**
   * Runs the handler in a child process or a worker thread (see `defineStage`'s `isolation`
   * and docs/workflows.md, "Isolated stages"); `false` keeps it in the worker even when the
   * workflow is `.isolated()`. Default: the workflow's `.isolated()` setting.
   */
  isolation?: IsolationOption | false;
}

/** Whether a value is a zod schema. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === "object" &&
    value !== null &&
    "_zod" in value &&
    typeof (value as { safeParse?: unknown }).safeParse === "function"
  );
}

function invalid(id: string, field: string, message: string): never {
  throw new WorkflowDefinitionError("INVALID_STEP", `[ratchet] step "${id}": ${message}`, {
    stageId: id,
    field,
  });
}

/** Checks the `next`/`end` pair of a step: `next` a string, not both. */
export function checkFlowOptions(id: string, options: { next?: unknown; end?: unknown }): void {
  if (options.next !== undefined && typeof options.next !== "string")
    invalid(id, "next", "next must be a step id");
  if (options.end !== undefined && typeof options.end !== "boolean")
    invalid(id, "end", "end must be a boolean");
  if (options.next !== undefined && options.end === true)
    invalid(id, "next", "next and end are mutually exclusive");
}

/** Checks a task's options; throws `INVALID_STEP` naming the field. */
export function checkTaskOptions(id: string, options: TaskOptions): void {
  if (typeof options !== "object" || options === null)
    invalid(id, "handler", "a task needs options with a handler");
  checkKnownOptions(id, "task", options);
  if (typeof options.handler !== "function") invalid(id, "handler", "handler must be a function");
  const input = options.inputSchema;
  if (input !== undefined && typeof input !== "function" && !isZodSchema(input))
    invalid(id, "inputSchema", "inputSchema must be a zod schema or a mapper function");
  if (options.outputSchema !== undefined && !isZodSchema(options.outputSchema))
    invalid(id, "outputSchema", "outputSchema must be a zod schema");
  const timeout = options.timeout;
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0)
  )
    invalid(id, "timeout", "timeout must be a number of ms > 0");
  if (options.isolation !== undefined && options.isolation !== false)
    resolveIsolation(options.isolation, `step "${id}"`, id);
  checkFlowOptions(id, options);
}

function parseOrFail(
  schema: z.ZodType,
  value: unknown,
  what: "input" | "output",
  taskId: string,
  ctx: StageContext,
): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error, what);
  throw new NonRetryableError(
    `[ratchet] ${what} of task "${taskId}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    {
      code: what === "input" ? "STAGE_INPUT_INVALID" : "STAGE_OUTPUT_INVALID",
      stageId: ctx.stageId,
      workflowRunId: ctx.workflowRunId,
    },
  );
}

/** The handler's context over a stage's; `steps` replaces the run's outputs when given. */
function taskContext(
  ctx: StageContext,
  prev: unknown,
  steps: Readonly<Record<string, unknown>> | undefined,
): TaskContext {
  let core: { logger: StageLogger } | undefined;
  return {
    get input() {
      return ctx.workflowInput;
    },
    prev,
    get steps() {
      return steps ?? ctx.workflowContext;
    },
    getStepResult: <T>(stepId: string) =>
      (steps ? steps[stepId] : ctx.optional<T>(stepId)) as T | undefined,
    get metadata() {
      return ctx.metadata;
    },
    setMetadata: (key, value) => ctx.setMetadata(key, value),
    getMetadata: <T>(key: string) => ctx.getMetadata<T>(key),
    get plugins() {
      return ctx.plugins;
    },
    get core() {
      if (core === undefined) core = { logger: ctx.log };
      return core;
    },
    get logger() {
      return ctx.log;
    },
    get log() {
      return ctx.log;
    },
    get signal() {
      return ctx.signal;
    },
    get storage() {
      return ctx.storage;
    },
    get workflowContext() {
      return ctx.workflowContext;
    },
    get workflowInput() {
      return ctx.workflowInput;
    },
    instance: { id: ctx.workflowRunId, workflowName: ctx.workflowId },
    config: ctx.config,
    require: <T>(stageId: string) => ctx.require<T>(stageId),
    optional: <T>(stageId: string) => ctx.optional<T>(stageId),
    onProgress: (update) => ctx.onProgress(update),
    emit: (name, payload) => ctx.emit(name, payload),
    workflowId: ctx.workflowId,
    workflowRunId: ctx.workflowRunId,
    stageId: ctx.stageId,
    attempt: ctx.attempt,
    maxAttempts: ctx.maxAttempts,
  };
}

/**
 * Runs one task: maps or validates its input, calls the handler, validates the output.
 * `checked` says which of those the kernel already does (a task that is its own stage).
 */
async function runTask(
  id: string,
  options: TaskOptions,
  prev: unknown,
  ctx: StageContext,
  steps: Readonly<Record<string, unknown>> | undefined,
  checked: boolean,
): Promise<unknown> {
  const schema = options.inputSchema;
  let input: unknown = prev;
  if (typeof schema === "function")
    input = (schema as TaskInputMapper<unknown>)(prev, ctx.workflowInput);
  else if (schema !== undefined && !checked) input = parseOrFail(schema, prev, "input", id, ctx);
  const output = await options.handler(input, taskContext(ctx, prev, steps));
  if (options.outputSchema !== undefined && !checked)
    return parseOrFail(options.outputSchema, output, "output", id, ctx);
  return output;
}

/**
 * A task as a stage of its own: a zod `inputSchema` is the stage's input schema (the kernel
 * validates, and `build()` checks it against what comes before), a mapper takes any input.
 */
export function taskStage(id: string, options: TaskOptions): AnyStage {
  checkTaskOptions(id, options);
  const input = isZodSchema(options.inputSchema) ? options.inputSchema : z.any();
  const stage = defineStage({
    id,
    name: id,
    schemas: { input, output: options.outputSchema ?? z.any() },
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
    ...(options.breaker !== undefined ? { breaker: options.breaker } : {}),
    ...(options.compensate ? { compensate: options.compensate as CompensateFn } : {}),
    ...(options.compensateRetry ? { compensateRetry: options.compensateRetry } : {}),
    ...(options.events ? { events: options.events } : {}),
    ...taskIsolation(options.isolation),
    execute: (ctx) => runTask(id, options, ctx.input, ctx, undefined, true),
  });
  return optOut(Object.freeze({ ...stage, stepType: "task" }) as AnyStage, options.isolation);
}

/** A step of a parallel branch: a task, or a pass step. */
export type BranchStep =
  | { kind: "task"; id: string; options: TaskOptions }
  | {
      kind: "pass";
      id: string;
      transform: ((ctx: StepFlowContext) => unknown) | undefined;
      /** The encoded static result, if any (decoded per run, so no run changes another's). */
      result: ReturnType<typeof encodeValue> | undefined;
    };

/**
 * A multi-step parallel branch as one stage (id: the branch's name): its steps run in order in
 * one attempt, each handed the previous one's output, with the branch's earlier outputs in
 * `ctx.steps`; the stage's output is the last step's. An attempt reruns the branch from its
 * first step. Retry: the first policy its tasks set; breaker: the first one its tasks name;
 * timeout: the sum of its tasks' timeouts when each sets one; isolation: the first one its tasks
 * set (the whole branch then runs isolated), none when a task opts out and none sets one.
 */
export function branchStage(name: string, steps: readonly BranchStep[]): AnyStage {
  const tasks = steps.flatMap((s) => (s.kind === "task" ? [s.options] : []));
  const retry = tasks.find((t) => t.retry !== undefined)?.retry;
  // A branch runs its tasks in one attempt: the first breaker one of them names guards it all.
  const breaker = tasks.find((t) => t.breaker !== undefined)?.breaker;
  const isolation =
    tasks.find((t) => t.isolation !== undefined && t.isolation !== false)?.isolation ??
    (tasks.some((t) => t.isolation === false) ? false : undefined);
  const timeouts = steps.map((s) => (s.kind === "task" ? s.options.timeout : undefined));
  const timeoutMs = timeouts.every((t) => t !== undefined)
    ? timeouts.reduce<number>((sum, t) => sum + (t as number), 0)
    : undefined;
  // The branch's stage may emit what any of its tasks declares.
  const declared = tasks.filter((t) => t.events !== undefined);
  const events =
    declared.length > 0 ? Object.assign({}, ...declared.map((t) => t.events)) : undefined;
  const stage = defineStage({
    id: name,
    name,
    schemas: { input: z.any(), output: z.any() },
    ...(retry ? { retry } : {}),
    ...(breaker !== undefined ? { breaker } : {}),
    ...(events ? { events } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...taskIsolation(isolation),
    execute: async (ctx) => {
      const outputs: Record<string, unknown> = { ...ctx.workflowContext };
      let prev: unknown = ctx.input;
      for (const step of steps) {
        let output: unknown;
        if (step.kind === "task") {
          output = await runTask(step.id, step.options, prev, ctx, outputs, false);
        } else if (step.transform) {
          output = await step.transform({
            input: ctx.workflowInput,
            prev,
            steps: outputs,
            metadata: ctx.metadata,
            getMetadata: (key) => ctx.getMetadata(key),
            getStepResult: (stepId) => outputs[stepId] as never,
          });
        } else {
          output = step.result !== undefined ? decodeValue(step.result) : prev;
        }
        outputs[step.id] = output;
        prev = output;
      }
      return prev;
    },
  });
  return optOut(Object.freeze({ ...stage, stepType: "task" }) as AnyStage, isolation);
}
