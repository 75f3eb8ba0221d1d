/**
 * Workflows: stages run in sequence (`pipe`) and in parallel groups (`parallel`), with
 * control-flow steps (`choice`, `loop`, `pass`, `sleep`, `poll`) compiled into the same stage
 * graph.
 *
 * The input of the first group is the workflow input. A group receives the output of the
 * group the run came from — usually the one before it: a single stage's output, or for a
 * parallel group an object keyed by its stages' ids. The run's output is the output of the
 * group that ends it (the last one, unless a step says `end` or jumps).
 */
import type { z } from "zod";
import type { RetentionPolicy } from "../retention.js";
import { type ChildStepOptions, childStep, type DetachedChild } from "./child-steps.js";
import type { EventSchemas } from "./context.js";
import type { FlowLimits } from "./flow-limits.js";
import { type MapSettled, type MapStepOptions, mapStep } from "./map-step.js";
import type { StageRetryPolicy } from "./retry-policy.js";
import {
  type ApprovalResult,
  type ApprovalStepOptions,
  approvalStep,
  type SignalResult,
  type WaitForSignalOptions,
  waitForSignalStep,
} from "./signal-steps.js";
import type { AnyStage, Stage, StageAccepts, StageOutput } from "./stage.js";
import {
  type ChoiceStepOptions,
  choiceStep,
  type LoopStepOptions,
  loopStep,
  type PassStepOptions,
  passStep,
} from "./steps.js";
import type { MigrateRun } from "./versioning.js";
import { type PollStepOptions, pollStep, type SleepStepOptions, sleepStep } from "./wait-steps.js";
import type { GroupNext } from "./workflow-graph.js";
import { buildWorkflow } from "./workflow-graph.js";
import type { ConcurrencyLimit, Workflow } from "./workflow-model.js";

export type { AnyWorkflow, ConcurrencyLimit, Workflow } from "./workflow-model.js";

type ParallelOutput<S extends readonly AnyStage[]> = {
  [K in S[number] as K["id"]]: StageOutput<K>;
};

/**
 * What flows on after a group with `flow`: the group's output when the run goes on to the
 * next group, else (after `end` or a `next` jump) anything — the next group is reached by a
 * jump from elsewhere, which the types cannot follow; `build()` checks those edges.
 */
// biome-ignore lint/suspicious/noExplicitAny: after a jump the next input is only known at build time
type After<F, TOut> = F extends { end: true } | { next: string } ? any : TOut;

/** Resolves to `unknown` when values of `TFrom` fit a stage taking `TIn`, else to an explanatory error type. */
type Accepts<TFrom, TIn> = [TFrom] extends [TIn]
  ? unknown
  : { "stage input does not accept the previous output": { expected: TIn; received: TFrom } };

/** Each stage of a parallel group, checked against the input the group receives. */
type CheckedGroup<TFrom, S extends readonly AnyStage[]> = {
  readonly [K in keyof S]: S[K] & Accepts<TFrom, StageAccepts<S[K]>>;
};

/**
 * Builds a workflow. `TCurrent` is the type flowing into the next stage, so `pipe` only accepts
 * stages whose input fits; `build()` checks the same at run time (and more).
 *
 * @example
 * ```ts
 * const wf = new WorkflowBuilder("docs", "Documents", "Processes one document", Input, Output)
 *   .pipe(fetchDoc)
 *   .parallel([extractText, extractMetadata])
 *   .pipe(publish)
 *   .build();
 * ```
 */
export class WorkflowBuilder<TInput, TCurrent = TInput> {
  private readonly groups: AnyStage[][] = [];
  private readonly nexts: (GroupNext | undefined)[] = [];
  private retryDefault: StageRetryPolicy | undefined;
  private timeoutMs: number | undefined;
  private limit: ConcurrencyLimit | undefined;
  private flow: FlowLimits = {};
  private keep: RetentionPolicy | undefined;
  private versionTag: string | number | undefined;
  private readonly migrations: { from: string | number; migrate?: MigrateRun }[] = [];
  private declared: EventSchemas | undefined;

  constructor(
    private readonly id: string,
    private readonly name: string,
    private readonly description: string,
    private readonly inputSchema: z.ZodType<TInput>,
    private readonly outputSchema: z.ZodType,
  ) {}

  /**
   * Appends a stage that runs after everything before it. `next` names the stage the run goes
   * to after it (instead of the one appended next); `end: true` ends the run with its output.
   * After either, the next stage appended takes any input at compile time (it is reached by a
   * jump); `build()` checks its schema against every group that can lead to it.
   */
  pipe<TIn, TOut, TAccepts, const F extends GroupNext | undefined = undefined>(
    // biome-ignore lint/suspicious/noExplicitAny: config type of the piped stage is free
    stage: Stage<string, TIn, TOut, any, TAccepts> & Accepts<TCurrent, TAccepts>,
    flow?: F,
  ): WorkflowBuilder<TInput, After<F, TOut>> {
    this.groups.push([stage as AnyStage]);
    this.nexts.push(flow);
    return this as unknown as WorkflowBuilder<TInput, After<F, TOut>>;
  }

  /**
   * A choice: the conditions are tried in order against the run's context and the run goes to
   * the `next` of the first that holds, else to `default`; with no match and no default the
   * run fails with `NO_CHOICE_MATCHED`. The step hands its input on unchanged.
   */
  choice(id: string, options: ChoiceStepOptions<TCurrent>): WorkflowBuilder<TInput, TCurrent> {
    return this.pipe(choiceStep(id, options) as never) as never;
  }

  /**
   * A loop: while `condition` holds, the run jumps back to `target` (with this step's input as
   * the target's input), at most `maxIterations` times, within `timeoutMs`, `intervalMs` apart;
   * then it goes on. Loop counters are stored with the run.
   */
  loop(id: string, options: LoopStepOptions<TCurrent>): WorkflowBuilder<TInput, TCurrent> {
    return this.pipe(loopStep(id, options) as never) as never;
  }

  /**
   * A pass step: hands on `transform(context)`, or a static `result`, or its input unchanged;
   * `end: true` ends the run with it, `next` jumps.
   */
  pass<
    TOut = TCurrent,
    const O extends PassStepOptions<TCurrent, TOut> = PassStepOptions<TCurrent, TOut>,
  >(
    id: string,
    options: O & PassStepOptions<TCurrent, TOut> = {} as O,
  ): WorkflowBuilder<TInput, After<O, TOut>> {
    const flow: GroupNext = {};
    if (options.next !== undefined) flow.next = options.next;
    if (options.end) flow.end = true;
    return this.pipe(passStep(id, options) as never, flow) as never;
  }

  /**
   * A durable sleep: the run waits `ms` (or until a date, or a date computed from the run's
   * context) with its stage `SUSPENDED` and a wake-up in the scheduler — no process waits, and
   * a restart changes nothing. The step hands its input on unchanged.
   */
  sleep(id: string, wait: SleepStepOptions<TCurrent>): WorkflowBuilder<TInput, TCurrent> {
    return this.pipe(sleepStep(id, wait) as never) as never;
  }

  /**
   * A poll: `check(input, ctx)` runs now and then every `intervalMs` (through
   * `stage.pollSuspended`, never a sleeping process) until it returns `{ done: true, result }`;
   * the step's output is `result`. It fails with `POLL_TIMEOUT` after `timeoutMs`, with
   * `POLL_MAX_ATTEMPTS` after `maxAttempts` checks, or with the error a check throws. Each
   * waiting cycle emits `workflow.step.poll`; the check count persists across restarts.
   */
  poll<TResult>(
    id: string,
    options: PollStepOptions<TCurrent, TResult>,
  ): WorkflowBuilder<TInput, TResult> {
    return this.pipe(pollStep(id, options) as never) as never;
  }

  /**
   * Waits for a signal sent with `run.signal` (to this run, or by key with `key`): the stage is
   * `SUSPENDED` with no process waiting, and delivery wakes it. A signal sent before the step is
   * reached is buffered and taken here; each is consumed once. The output is
   * `{ received: true, payload, signalId, receivedAt }`, or `{ received: false, timedOut: true }`
   * after `timeoutMs` — branch on it with a `choice`.
   */
  waitForSignal<T = unknown>(
    id: string,
    options: WaitForSignalOptions<TCurrent, T> = {},
  ): WorkflowBuilder<TInput, SignalResult<T>> {
    return this.pipe(waitForSignalStep(id, options) as never) as never;
  }

  /**
   * Waits for a person's decision, given with `approval.decide` (`ratchet approve|reject`, or
   * the approval webhook handler): the output records who decided, when and with what comment,
   * or that it expired after `timeoutMs`; `escalateAfterMs` publishes
   * `workflow.approval.escalated` while it is still undecided.
   */
  approval(id: string, options: ApprovalStepOptions = {}): WorkflowBuilder<TInput, ApprovalResult> {
    return this.pipe(approvalStep(id, options) as never) as never;
  }

  /**
   * Starts a run of `workflow` as this run's child and waits for its end: its output becomes
   * this step's; its failure fails the step (`CHILD_WORKFLOW_FAILED`, or
   * `CHILD_WORKFLOW_CANCELLED`). `detached: true` goes on at once with `{ childRunId }`.
   * Cancelling this run cancels the children it waits for.
   */
  child<TChildInput, TChildOutput, const D extends boolean = false>(
    id: string,
    workflow: Workflow<TChildInput, TChildOutput>,
    options: ChildStepOptions<TCurrent, TChildInput> & { detached?: D } = {},
  ): WorkflowBuilder<TInput, D extends true ? DetachedChild : TChildOutput> {
    return this.pipe(
      childStep(id, workflow, options as ChildStepOptions<TCurrent>) as never,
    ) as never;
  }

  /**
   * Dynamic fan-out: runs `target` (a workflow, or a stage) once per item `items` returns, as
   * child runs, at most `concurrency` (default 10) at a time; the output is their outputs in
   * input order. `onError: "fail-fast"` (default) fails the step at the first failure and
   * cancels the rest; `"wait-all"` waits for all and hands on `{ ok, output | error }` per item.
   */
  map<TItem, TOut, const E extends "fail-fast" | "wait-all" = "fail-fast">(
    id: string,
    // biome-ignore lint/suspicious/noExplicitAny: any config and accepted input of the stage
    target: Workflow<TItem, TOut> | Stage<string, TItem, TOut, any, any>,
    options: MapStepOptions<TCurrent, TItem> & { onError?: E },
  ): WorkflowBuilder<TInput, E extends "wait-all" ? MapSettled<TOut>[] : TOut[]> {
    return this.pipe(
      mapStep(id, target as never, options as MapStepOptions<TCurrent>) as never,
    ) as never;
  }

  /**
   * Appends stages that run at the same time; the next stage receives `{ [stageId]: output }`.
   * `flow` as for {@link WorkflowBuilder.pipe}.
   */
  parallel<const S extends readonly AnyStage[], const F extends GroupNext | undefined = undefined>(
    stages: CheckedGroup<TCurrent, S>,
    flow?: F,
  ): WorkflowBuilder<TInput, After<F, ParallelOutput<S>>> {
    this.groups.push([...(stages as readonly AnyStage[])]);
    this.nexts.push(flow);
    return this as unknown as WorkflowBuilder<TInput, After<F, ParallelOutput<S>>>;
  }

  /**
   * The retry policy of stages that set none; a stage's own `retry` overrides it field by
   * field (e.g. `{ maxAttempts: 5 }` keeps this default's delays).
   */
  defaultRetry(policy: StageRetryPolicy): this {
    this.retryDefault = policy;
    return this;
  }

  /** Ends a run `TIMED_OUT` (error `WORKFLOW_TIMEOUT`) if it is still going `ms` after it started. */
  timeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }

  /**
   * Custom events any of its stages may emit with `ctx.emit`, by name, with their payload
   * schemas (a stage's own `events` win for a name both declare). See "Custom events" in
   * docs/workflows.md.
   */
  events(events: EventSchemas): this {
    this.declared = { ...this.declared, ...events };
    return this;
  }

  /** Limits how many runs are `RUNNING` at once (see {@link ConcurrencyLimit}). */
  concurrency(limit: ConcurrencyLimit): this {
    this.limit = limit;
    return this;
  }

  /**
   * Start limits and default priority (see {@link FlowLimits}): `rateLimit` (at most N starts
   * per period), `throttle` (starts spread evenly), `singleton` (one active run per key: skip
   * or queue the others), `debounce` (creates within a window collapse, the last input wins), `priority` (a number or a function of the input; a `run.create`'s
   * own priority wins). Enforced when workers claim runs, across all
   * of them; see docs/workflows.md, "Rate limits and flow control".
   */
  limits(limits: FlowLimits): this {
    this.flow = { ...this.flow, ...limits };
    return this;
  }

  /**
   * How long finished runs of this workflow are kept, per final status, over the kernel's
   * `options.retention` (e.g. `{ completed: "7d", failed: "30d" }`); the `purge` duty deletes
   * them afterwards. See docs/retention.md.
   */
  retention(policy: RetentionPolicy): this {
    this.keep = policy;
    return this;
  }

  /**
   * This definition's version (default `"1"`). Bump it when the stage graph changes; register
   * the old and the new version side by side until the old one's runs are done, or declare
   * {@link migrateFrom}. See "Deploying changes" in docs/workflows.md.
   */
  version(version: string | number): this {
    this.versionTag = version;
    return this;
  }

  /**
   * Lets `run.migrate` (`ratchet runs migrate`) move waiting runs of version `from` to this
   * one; `migrate` maps their completed stages' outputs to this graph (default: outputs of
   * stages whose ids this version still has are kept).
   */
  migrateFrom(from: string | number, migrate?: MigrateRun): this {
    this.migrations.push(migrate ? { from, migrate } : { from });
    return this;
  }

  /**
   * Checks the definition and returns the workflow. Throws {@link WorkflowDefinitionError}
   * with a stable code (e.g. `DUPLICATE_STAGE_ID`, `UNKNOWN_NEXT_STAGE`, `UNREACHABLE_STAGE`,
   * `INCOMPATIBLE_SCHEMAS`) naming the stage and the field; see `buildWorkflow`.
   */
  build(): Workflow<TInput, TCurrent> {
    return buildWorkflow({
      id: this.id,
      name: this.name,
      description: this.description,
      inputSchema: this.inputSchema,
      outputSchema: this.outputSchema,
      groups: this.groups,
      nexts: this.nexts,
      defaultRetry: this.retryDefault,
      timeoutMs: this.timeoutMs,
      concurrency: this.limit,
      flowLimits: this.flow,
      retention: this.keep,
      version: this.versionTag,
      migrations: this.migrations,
      events: this.declared,
    }) as Workflow<TInput, TCurrent>;
  }
}

/**
 * Input of {@link defineWorkflow}; its start limits and priority (`rateLimit`, `throttle`,
 * `singleton`, `debounce`, `priority`) are those of {@link WorkflowBuilder.limits}.
 */
export interface WorkflowDefinition<TInput extends z.ZodType, TOutput extends z.ZodType>
  extends FlowLimits {
  id: string;
  name: string;
  description?: string;
  input: TInput;
  output: TOutput;
  /** The retry policy of stages that set none (see {@link WorkflowBuilder.defaultRetry}). */
  defaultRetry?: StageRetryPolicy;
  /** See {@link WorkflowBuilder.timeout}. */
  timeoutMs?: number;
  /** See {@link WorkflowBuilder.concurrency}. */
  concurrency?: ConcurrencyLimit;
  /** See {@link WorkflowBuilder.retention}. */
  retention?: RetentionPolicy;
  /** See {@link WorkflowBuilder.version}. */
  version?: string | number;
  /** See {@link WorkflowBuilder.events}. */
  events?: EventSchemas;
  /** See {@link WorkflowBuilder.migrateFrom}. */
  migrations?: readonly { from: string | number; migrate?: MigrateRun }[];
}

/** Starts a workflow definition from an object; continue with `.pipe()`/`.parallel()` and `.build()`. */
export function defineWorkflow<TInput extends z.ZodType, TOutput extends z.ZodType>(
  def: WorkflowDefinition<TInput, TOutput>,
): WorkflowBuilder<z.output<TInput>, z.output<TInput>> {
  const builder = new WorkflowBuilder(
    def.id,
    def.name,
    def.description ?? "",
    def.input as z.ZodType<z.output<TInput>>,
    def.output,
  );
  if (def.defaultRetry) builder.defaultRetry(def.defaultRetry);
  if (def.timeoutMs !== undefined) builder.timeout(def.timeoutMs);
  if (def.concurrency) builder.concurrency(def.concurrency);
  const { rateLimit, throttle, singleton, debounce, priority } = def;
  if (rateLimit || throttle || singleton || debounce || priority !== undefined)
    builder.limits({ rateLimit, throttle, singleton, debounce, priority });
  if (def.retention) builder.retention(def.retention);
  if (def.version !== undefined) builder.version(def.version);
  if (def.events) builder.events(def.events);
  for (const migration of def.migrations ?? [])
    builder.migrateFrom(migration.from, migration.migrate);
  return builder;
}
