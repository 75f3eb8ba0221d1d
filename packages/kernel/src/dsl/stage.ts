/**
 * Stage definitions: `defineStage` for ordinary stages, `defineAsyncBatchStage` for stages
 * that start work elsewhere, suspend, and are resumed when `checkCompletion` says it is done.
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";
import { type BreakerOption, resolveBreaker, type StageBreaker } from "./breaker.js";
import { type CompensationFields, compensationOf, type StageCompensation } from "./compensation.js";
import type { CompletionContext, EventSchemas, StageContext } from "./context.js";
import { type IsolationOption, resolveIsolation, type StageIsolation } from "./isolation.js";
import { type RetryOverrides, retryOverrides, type StageRetryPolicy } from "./retry-policy.js";
import type { WaitOutcome, WaitResolution } from "./waits.js";

/** The kinds of step a workflow is made of. */
export type StepType =
  | "task"
  | "choice"
  | "loop"
  | "pass"
  | "poll"
  | "sleep"
  | "parallel"
  | "signal"
  | "approval"
  | "child"
  | "map";

/** The control-flow side of a step (see {@link Stage.flow}). */
export interface StageFlow {
  /** Stage ids the step may route to. */
  readonly routes: readonly string[];
  /** Whether the output is the input unchanged (schema checks look through it). */
  readonly passThrough: boolean;
}

/** How often a suspended stage is checked. */
export interface PollConfig {
  /** Time between checks. */
  pollIntervalMs: number;
  /**
   * Fail the stage when not complete after this long (default: the kernel's
   * `suspendMaxWaitMs`, 7 days; `Infinity`: no limit).
   */
  maxWaitMs?: number;
  /** The error code of that failure (default `SUSPEND_TIMEOUT`). */
  maxWaitCode?: string;
  /**
   * Fail the stage (`POLL_CHECK_FAILED`, with the last error) after this many checks in a row
   * threw (default: the kernel's `maxPollErrors`, 10).
   */
  maxPollErrors?: number;
  /** First check at this time instead of `now + pollIntervalMs`. */
  nextPollAt?: Date;
}

/** What an async-batch stage returns to suspend. */
export interface SuspendResult<TState> {
  suspended: true;
  state: TState;
  pollConfig: PollConfig;
}

/** What `checkCompletion` returns. */
export type CompletionCheck<TOutput> =
  | { ready: true; output: TOutput }
  | { ready: false; error: string; code?: string }
  | { ready: false; nextCheckAt?: Date };

/** The schemas of a stage. `config` defaults to an empty object schema. */
export interface StageSchemas<
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
> {
  input: TIn;
  output: TOut;
  config?: TConfig;
}

interface StageCommon<
  TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
> extends CompensationFields<z.output<TIn>, z.output<TOut>> {
  /** Unique within a workflow; letters, digits, `-`, `_` and `.`. */
  id: TId;
  name: string;
  description?: string;
  schemas: StageSchemas<TIn, TOut, TConfig>;
  retry?: StageRetryPolicy;
  /** The host aborts `ctx.signal` after this long and the attempt fails (retryable). */
  timeoutMs?: number;
  /** The custom events the stage may emit with `ctx.emit`, by name, with their payload schemas. */
  events?: EventSchemas;
  /**
   * A named circuit breaker guarding the stage, shared by every worker on the database: while
   * it is open the stage is deferred, not failed (see `breaker.ts`, docs/workflows.md).
   */
  breaker?: BreakerOption;
  /**
   * Runs `execute` in a child process (`"process"`, `true`) or a worker thread (`"thread"`),
   * so a body that blocks cannot stop the host from heartbeating its lease; with
   * `{ mode, memoryMb, timeoutMs, module }` its memory and time are limited and the module the
   * child imports is named (`module: import.meta.url`). Needs a host with a stage runner
   * (`KernelConfig.stageRunner`); see docs/workflows.md, "Isolated stages".
   */
  isolation?: IsolationOption;
}

/** Input of {@link defineStage}. */
export interface StageInput<
  TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
> extends StageCommon<TId, TIn, TOut, TConfig> {
  execute(
    ctx: StageContext<z.output<TIn>, z.output<TConfig>>,
  ): Promise<z.input<TOut>> | z.input<TOut>;
}

/** Input of {@link defineAsyncBatchStage}. */
export interface AsyncBatchStageInput<
  TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
  TState,
> extends StageCommon<TId, TIn, TOut, TConfig> {
  execute(
    ctx: StageContext<z.output<TIn>, z.output<TConfig>>,
  ): Promise<z.input<TOut> | SuspendResult<TState>> | z.input<TOut> | SuspendResult<TState>;
  checkCompletion(
    state: TState,
    ctx: CompletionContext<z.output<TConfig>>,
  ): Promise<CompletionCheck<z.input<TOut>>> | CompletionCheck<z.input<TOut>>;
}

/**
 * A defined stage, as the kernel sees it. `TInput` is what `execute` receives (after parsing),
 * `TAccepts` what the stage accepts from the stage before it (before defaults are applied).
 */
export interface Stage<
  TId extends string = string,
  TInput = unknown,
  TOutput = unknown,
  TConfig = unknown,
  TAccepts = TInput,
> {
  /** Phantom marker of the accepted input type; never set at run time. */
  readonly __accepts?: (value: TAccepts) => void;
  readonly kind: "stage" | "async-batch";
  readonly id: TId;
  readonly name: string;
  readonly description: string | undefined;
  readonly schemas: {
    readonly input: z.ZodType<TInput>;
    readonly output: z.ZodType<TOutput>;
    readonly config: z.ZodType<TConfig>;
  };
  /** The fields of its retry policy the stage sets (see `retry-policy.ts`). */
  readonly retry: RetryOverrides | undefined;
  /**
   * Set on control-flow steps (choice, loop, …): the stage ids it may route to (its `execute`
   * returns a `Route`), and whether its output is its input unchanged. Such a stage must be
   * alone in its group.
   */
  readonly flow?: StageFlow;
  /** What kind of step the stage is, as events report it (default `task`). */
  readonly stepType?: StepType;
  readonly timeoutMs: number | undefined;
  /** The circuit breaker guarding the stage, if any. */
  readonly breaker?: StageBreaker;
  /** Set when the stage declares a compensating action (see `dsl/compensation.ts`). */
  readonly compensation?: StageCompensation;
  /** Set when `execute` runs isolated, in a child process or a worker thread (see `isolation.ts`). */
  readonly isolation?: StageIsolation;
  /** The custom events the stage may emit with `ctx.emit` (see `StageContext.emit`). */
  readonly events?: EventSchemas | undefined;
  /**
   * Set on waiting steps (signal, approval, child): turns what ended the wait into the step's
   * output, or the error the step fails with (see `waits.ts`).
   */
  readonly waitOutput?: (resolution: WaitResolution) => WaitOutcome;
  /**
   * Set on signal and approval steps: the signal they wait for and its payload's schema, so
   * `run.signal` can refuse a payload before storing it.
   */
  readonly waitsFor?: { readonly name: string; readonly schema: z.ZodType };
  /** Set on child workflow and map steps: the workflow they start. */
  readonly childWorkflowId?: string;
  /** Set on child workflow and map steps: its definition, registered with the parent's. */
  readonly childWorkflow?: AnyWorkflowRef;
  /** Set on approval steps: what is to be approved, and who may decide (anyone when absent). */
  readonly approval?: { readonly title?: string; readonly approvers?: readonly string[] };
  execute(ctx: StageContext<TInput, TConfig>): Promise<unknown>;
  checkCompletion?(
    state: unknown,
    ctx: CompletionContext<TConfig>,
  ): Promise<CompletionCheck<unknown>>;
}

/** A workflow definition as a stage refers to it (the registry registers it with its parent). */
export interface AnyWorkflowRef {
  readonly id: string;
  readonly version: string;
  readonly fingerprint: string;
}

/** Any stage, whatever its types. */
// biome-ignore lint/suspicious/noExplicitAny: the variance of stage types needs `any` here
export type AnyStage = Stage<string, any, any, any, any>;

/** The output type of a stage. */
// biome-ignore lint/suspicious/noExplicitAny: inference needs `any` in the other positions
export type StageOutput<S> = S extends Stage<string, any, infer O, any, any> ? O : never;

/** The input type a stage accepts from the stage before it. */
export type StageAccepts<S> = S extends { readonly __accepts?: (value: infer A) => void }
  ? A
  : never;

const STAGE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function commonFields<
  TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType,
>(def: StageCommon<TId, TIn, TOut, TConfig>) {
  if (typeof def.id !== "string" || !STAGE_ID.test(def.id)) {
    throw new WorkflowDefinitionError(
      "INVALID_STAGE_ID",
      `[ratchet] stage id ${JSON.stringify(def.id)} is invalid: use 1–128 letters, digits, "-", "_" or "."`,
      { stageId: String(def.id), field: "id" },
    );
  }
  const retry = def.retry
    ? retryOverrides(def.retry, `stage "${def.id}"`, { stageId: def.id })
    : undefined;
  return {
    id: def.id,
    name: def.name,
    description: def.description,
    schemas: {
      input: def.schemas.input,
      output: def.schemas.output,
      config: (def.schemas.config ?? z.object({})) as z.ZodType,
    },
    retry,
    timeoutMs: def.timeoutMs,
    ...(def.breaker !== undefined ? { breaker: resolveBreaker(def.breaker, def.id) } : {}),
    ...(def.isolation !== undefined
      ? { isolation: resolveIsolation(def.isolation, `stage "${def.id}"`, def.id) }
      : {}),
    ...compensationOf(def),
    ...(def.events ? { events: checkEvents(def.events, `stage "${def.id}"`) } : {}),
  };
}

/**
 * Defines a stage.
 *
 * @example
 * ```ts
 * const fetchDoc = defineStage({
 *   id: "fetch",
 *   name: "Fetch document",
 *   schemas: { input: z.object({ url: z.string().url() }), output: z.object({ body: z.string() }) },
 *   async execute(ctx) {
 *     const res = await fetch(ctx.input.url, { signal: ctx.signal });
 *     return { body: await res.text() };
 *   },
 * });
 * ```
 */
export function defineStage<
  const TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TConfig extends z.ZodType = z.ZodObject<Record<string, never>>,
>(
  def: StageInput<TId, TIn, TOut, TConfig>,
): Stage<TId, z.output<TIn>, z.output<TOut>, z.output<TConfig>, z.input<TIn>> {
  return {
    kind: "stage",
    ...commonFields(def),
    execute: async (ctx) => def.execute(ctx),
  } as Stage<TId, z.output<TIn>, z.output<TOut>, z.output<TConfig>, z.input<TIn>>;
}

/**
 * Defines an async-batch stage: `execute` may return `{ suspended: true, state, pollConfig }`
 * to wait for work done elsewhere; `checkCompletion(state, ctx)` is then called every
 * `pollIntervalMs` (by `stage.pollSuspended`) until it reports the output or an error.
 */
export function defineAsyncBatchStage<
  const TId extends string,
  TIn extends z.ZodType,
  TOut extends z.ZodType,
  TState,
  TConfig extends z.ZodType = z.ZodObject<Record<string, never>>,
>(
  def: AsyncBatchStageInput<TId, TIn, TOut, TConfig, TState>,
): Stage<TId, z.output<TIn>, z.output<TOut>, z.output<TConfig>, z.input<TIn>> {
  return {
    kind: "async-batch",
    ...commonFields(def),
    execute: async (ctx) => def.execute(ctx),
    checkCompletion: async (state, ctx) => def.checkCompletion(state as TState, ctx),
  } as Stage<TId, z.output<TIn>, z.output<TOut>, z.output<TConfig>, z.input<TIn>>;
}

/** Whether a value returned by `execute` asks to suspend. */
export function isSuspendResult(value: unknown): value is SuspendResult<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { suspended?: unknown }).suspended === true &&
    "pollConfig" in value
  );
}

const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * Checks declared custom events (`events` of a stage, a task or a workflow): each name 1–128
 * letters, digits, `.`, `:`, `-` or `_`, each value a zod schema; else throws
 * `WorkflowDefinitionError` `INVALID_EVENTS` naming `owner` and the event. Returns a frozen copy.
 */
export function checkEvents(events: EventSchemas, owner: string): EventSchemas {
  const bad = (field: string, message: string): never => {
    throw new WorkflowDefinitionError("INVALID_EVENTS", `[ratchet] ${owner}: ${message}`, {
      field,
    });
  };
  if (typeof events !== "object" || events === null || Array.isArray(events))
    bad("events", "events must be an object of zod schemas by event name");
  for (const [name, schema] of Object.entries(events)) {
    if (!EVENT_NAME.test(name))
      bad(
        `events.${name}`,
        `event name ${JSON.stringify(name)} is invalid: use 1–128 letters, digits, ".", ":", "-" or "_"`,
      );
    if (typeof (schema as { safeParse?: unknown } | null)?.safeParse !== "function")
      bad(`events.${name}`, `event ${JSON.stringify(name)} must be declared with a zod schema`);
  }
  return Object.freeze({ ...events });
}
