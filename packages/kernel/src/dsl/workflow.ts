/**
 * Workflows: stages run in sequence (`pipe`) and in parallel groups (`parallel`).
 *
 * The input of the first group is the workflow input. A group after a single stage receives
 * that stage's output; a group after a parallel group receives an object keyed by the
 * parallel stages' ids. The workflow's output is the last group's output.
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";
import { type RetryOverrides, retryOverrides, type StageRetryPolicy } from "./retry-policy.js";
import { findIncompatibilities } from "./schema-compat.js";
import type { AnyStage, Stage, StageAccepts, StageOutput } from "./stage.js";

/** A built workflow, as the kernel runs it. */
export interface Workflow<TInput = unknown, TOutput = unknown> {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType<TInput>;
  readonly outputSchema: z.ZodType<TOutput>;
  /** Execution groups in order; each holds one stage or a parallel group. */
  readonly groups: readonly (readonly AnyStage[])[];
  /** Lookup of a stage and its group by stage id. */
  getStage(stageId: string): { stage: AnyStage; groupIndex: number } | undefined;
  /** The workflow's default retry policy fields (see {@link WorkflowBuilder.defaultRetry}). */
  readonly defaultRetry: RetryOverrides | undefined;
  /**
   * The retry fields that apply to a stage: its own over the workflow's default (the kernel
   * fills in the rest from its options and `DEFAULT_RETRY`).
   */
  retryOf(stageId: string): RetryOverrides | undefined;
}

/** Any workflow, whatever its types. */
// biome-ignore lint/suspicious/noExplicitAny: the variance of workflow types needs `any` here
export type AnyWorkflow = Workflow<any, any>;

type ParallelOutput<S extends readonly AnyStage[]> = {
  [K in S[number] as K["id"]]: StageOutput<K>;
};

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
  private retryDefault: StageRetryPolicy | undefined;

  constructor(
    private readonly id: string,
    private readonly name: string,
    private readonly description: string,
    private readonly inputSchema: z.ZodType<TInput>,
    private readonly outputSchema: z.ZodType,
  ) {}

  /** Appends a stage that runs after everything before it. */
  pipe<TIn, TOut, TAccepts>(
    // biome-ignore lint/suspicious/noExplicitAny: config type of the piped stage is free
    stage: Stage<string, TIn, TOut, any, TAccepts> & Accepts<TCurrent, TAccepts>,
  ): WorkflowBuilder<TInput, TOut> {
    this.groups.push([stage as AnyStage]);
    return this as unknown as WorkflowBuilder<TInput, TOut>;
  }

  /** Appends stages that run at the same time; the next stage receives `{ [stageId]: output }`. */
  parallel<const S extends readonly AnyStage[]>(
    stages: CheckedGroup<TCurrent, S>,
  ): WorkflowBuilder<TInput, ParallelOutput<S>> {
    this.groups.push([...(stages as readonly AnyStage[])]);
    return this as unknown as WorkflowBuilder<TInput, ParallelOutput<S>>;
  }

  /**
   * The retry policy of stages that set none; a stage's own `retry` overrides it field by
   * field (e.g. `{ maxAttempts: 5 }` keeps this default's delays).
   */
  defaultRetry(policy: StageRetryPolicy): this {
    this.retryDefault = policy;
    return this;
  }

  /**
   * Checks the definition and returns the workflow. Throws {@link WorkflowDefinitionError}
   * with code `EMPTY_WORKFLOW`, `EMPTY_PARALLEL_GROUP`, `DUPLICATE_STAGE_ID` or
   * `INCOMPATIBLE_SCHEMAS` (naming the stage and the field).
   */
  build(): Workflow<TInput, TCurrent> {
    return buildWorkflow({
      id: this.id,
      name: this.name,
      description: this.description,
      inputSchema: this.inputSchema,
      outputSchema: this.outputSchema,
      groups: this.groups,
      defaultRetry: this.retryDefault,
    }) as Workflow<TInput, TCurrent>;
  }
}

/** Input of {@link defineWorkflow}. */
export interface WorkflowDefinition<TInput extends z.ZodType, TOutput extends z.ZodType> {
  id: string;
  name: string;
  description?: string;
  input: TInput;
  output: TOutput;
  /** The retry policy of stages that set none (see {@link WorkflowBuilder.defaultRetry}). */
  defaultRetry?: StageRetryPolicy;
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
  return def.defaultRetry ? builder.defaultRetry(def.defaultRetry) : builder;
}

const WORKFLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function buildWorkflow(def: {
  id: string;
  name: string;
  description: string;
  inputSchema: z.ZodType;
  outputSchema: z.ZodType;
  groups: AnyStage[][];
  defaultRetry: StageRetryPolicy | undefined;
}): AnyWorkflow {
  const { id } = def;
  if (!WORKFLOW_ID.test(id)) {
    throw new WorkflowDefinitionError(
      "INVALID_WORKFLOW_ID",
      `[ratchet] workflow id ${JSON.stringify(id)} is invalid`,
      {
        workflowId: id,
        field: "id",
      },
    );
  }
  if (def.groups.length === 0) {
    throw new WorkflowDefinitionError(
      "EMPTY_WORKFLOW",
      `[ratchet] workflow "${id}" has no stages`,
      { workflowId: id },
    );
  }
  const index = new Map<string, { stage: AnyStage; groupIndex: number }>();
  def.groups.forEach((group, groupIndex) => {
    if (group.length === 0) {
      throw new WorkflowDefinitionError(
        "EMPTY_PARALLEL_GROUP",
        `[ratchet] workflow "${id}" has an empty parallel group at position ${groupIndex}`,
        {
          workflowId: id,
        },
      );
    }
    for (const stage of group) {
      if (index.has(stage.id)) {
        throw new WorkflowDefinitionError(
          "DUPLICATE_STAGE_ID",
          `[ratchet] workflow "${id}" uses stage id "${stage.id}" twice`,
          {
            workflowId: id,
            stageId: stage.id,
          },
        );
      }
      index.set(stage.id, { stage, groupIndex });
    }
  });

  let produced: z.ZodType = def.inputSchema;
  let producedBy = "the workflow input";
  for (const group of def.groups) {
    for (const stage of group) {
      assertFits(
        id,
        produced,
        producedBy,
        stage.schemas.input,
        `stage "${stage.id}" input`,
        stage.id,
      );
    }
    if (group.length === 1) {
      const only = group[0] as AnyStage;
      produced = only.schemas.output;
      producedBy = `stage "${only.id}" output`;
    } else {
      produced = z.object(Object.fromEntries(group.map((s) => [s.id, s.schemas.output])));
      producedBy = `parallel group (${group.map((s) => s.id).join(", ")})`;
    }
  }
  assertFits(id, produced, producedBy, def.outputSchema, "the workflow output", undefined);

  const defaultRetry = def.defaultRetry
    ? retryOverrides(def.defaultRetry, `workflow "${id}" default`, { workflowId: id })
    : undefined;
  const retries = new Map<string, RetryOverrides | undefined>();
  for (const [stageId, { stage }] of index) {
    retries.set(
      stageId,
      defaultRetry || stage.retry ? Object.freeze({ ...defaultRetry, ...stage.retry }) : undefined,
    );
  }
  const groups = def.groups.map((g) => Object.freeze([...g]));
  return Object.freeze({
    id,
    name: def.name,
    description: def.description,
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    groups: Object.freeze(groups),
    getStage: (stageId: string) => index.get(stageId),
    defaultRetry,
    retryOf: (stageId: string) => retries.get(stageId),
  });
}

function assertFits(
  workflowId: string,
  from: z.ZodType,
  fromLabel: string,
  to: z.ZodType,
  toLabel: string,
  stageId: string | undefined,
): void {
  const problems = findIncompatibilities(from, to);
  const first = problems[0];
  if (!first) return;
  const details = problems.map((p) => p.message).join("; ");
  throw new WorkflowDefinitionError(
    "INCOMPATIBLE_SCHEMAS",
    `[ratchet] workflow "${workflowId}": ${fromLabel} does not fit ${toLabel}: ${details}`,
    {
      workflowId,
      ...(stageId === undefined ? {} : { stageId }),
      ...(first.path === "" ? {} : { field: first.path }),
    },
  );
}
