/**
 * The steps the `workflow()` builder and its parallel branches share: each method checks its
 * step at once and records it; `StepWorkflowBuilder.build()` compiles the record.
 */

import { WorkflowDefinitionError } from "../errors.js";
import { type ChildStepOptions, childStep } from "./child-steps.js";
import { type MapStepOptions, mapStep } from "./map-step.js";
import {
  type ApprovalStepOptions,
  approvalStep,
  type WaitForSignalOptions,
  waitForSignalStep,
} from "./signal-steps.js";
import type { AnyStage } from "./stage.js";
import { checkKnownOptions } from "./step-builder-known.js";
import type {
  StepBranch,
  StepChoiceOptions,
  StepLoopOptions,
  StepParallelOptions,
  StepPassOptions,
  StepPollOptions,
  StepSleepOptions,
} from "./step-builder-options.js";
import {
  checkFlowOptions,
  checkTaskOptions,
  type TaskOptions,
  taskStage,
} from "./step-builder-task.js";
import {
  type ChoiceStepOptions,
  choiceStep,
  type LoopStepOptions,
  loopStep,
  passStep,
} from "./steps.js";
import { pollStep, type SleepStepOptions, sleepStep } from "./wait-steps.js";
import type { GroupNext } from "./workflow-graph.js";
import type { AnyWorkflow } from "./workflow-model.js";

// biome-ignore lint/suspicious/noExplicitAny: the seed API types step outputs and inputs loosely
type Loose = any;

/** What a built branch compiles to (internal to the builder). */
export interface CompiledBranch {
  /** The stage in the parallel group: the task's own (one task) or a branch stage. */
  stage: AnyStage;
  /** Every id the branch uses (step ids, and the branch stage's id). */
  ids: readonly string[];
}

/** The compiled form of each branch `StepBranchBuilder.build()` returned. */
export const compiledBranches = new WeakMap<StepBranch, CompiledBranch>();

/** A recorded step, as `build()` compiles it. */
export type StepSpec =
  | { kind: "task"; id: string; stage: AnyStage; options: TaskOptions }
  | { kind: "pass"; id: string; stage: AnyStage; options: StepPassOptions }
  | { kind: "choice"; id: string; options: StepChoiceOptions }
  | { kind: "loop"; id: string; options: StepLoopOptions }
  | { kind: "poll" | "sleep" | "wait"; id: string; stage: AnyStage }
  | {
      kind: "parallel";
      id: string;
      options: StepParallelOptions;
      branches: { name: string; compiled: CompiledBranch }[];
    };

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws a `WorkflowDefinitionError`. */
export function fail(code: string, message: string, details: Record<string, string>): never {
  throw new WorkflowDefinitionError(code, `[ratchet] ${message}`, details);
}

/** Checks a step id (`INVALID_STAGE_ID`, field `id`). */
export function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || !STEP_ID.test(id))
    fail("INVALID_STAGE_ID", `${what} id ${JSON.stringify(id)} is invalid`, {
      stageId: String(id),
      field: "id",
    });
}

/** Runs `check`, renaming the `field` of a definition error to the option's name here. */
function withFields<T>(fields: Record<string, string>, check: () => T): T {
  try {
    return check();
  } catch (error) {
    const field = error instanceof WorkflowDefinitionError ? error.field : undefined;
    const renamed = field === undefined ? undefined : fields[field];
    if (renamed === undefined) throw error;
    const e = error as WorkflowDefinitionError;
    throw new WorkflowDefinitionError(e.code, e.message.replace(field as string, renamed), {
      ...(e.stageId !== undefined ? { stageId: e.stageId } : {}),
      field: renamed,
      cause: e,
    });
  }
}

const POLL_FIELDS = { intervalMs: "interval", timeoutMs: "timeout" };
const LOOP_FIELDS = { intervalMs: "interval", timeoutMs: "timeout" };

/** The `GroupNext` of a step's `next`/`end`. */
export function flowOf(options: { next?: string; end?: boolean }): GroupNext | undefined {
  if (options.end === true) return { end: true };
  if (options.next !== undefined) return { next: options.next };
  return undefined;
}

/** A loop's options as `loopStep` takes them, with `target` (maybe rewritten). */
export function loopOptions(options: StepLoopOptions, target: string): LoopStepOptions {
  return {
    condition: options.condition as LoopStepOptions["condition"],
    target,
    ...(options.interval !== undefined ? { intervalMs: options.interval } : {}),
    ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
  };
}

/** A choice's options as `choiceStep` takes them, targets mapped by `to`. */
export function choiceOptions(
  options: StepChoiceOptions,
  to: (id: string) => string,
): ChoiceStepOptions {
  return {
    choices: (Array.isArray(options?.choices) ? options.choices : []).map((c) => ({
      condition: c?.condition as ChoiceStepOptions["choices"][number]["condition"],
      next: to(c?.next),
    })),
    ...(options?.default !== undefined ? { default: to(options.default) } : {}),
  };
}

/**
 * The steps shared by `workflow()` and `workflow.branch()`: each method checks its step at
 * once (throwing `WorkflowDefinitionError` with a stable code and the field) and appends it.
 */
export abstract class StepSequenceBuilder {
  /** The steps in declaration order. */
  protected readonly steps: StepSpec[] = [];

  /**
   * A task: `handler(input, ctx)` with the input from `inputSchema` (a zod schema validating
   * the previous output — the workflow input for the first step — or a mapper
   * `(prev, workflowInput) => input`); its result, checked by `outputSchema`, is the step's
   * output. `retry`, `timeout` (ms), and `next` or `end`.
   */
  task<TIn = Loose, TOut = Loose>(id: string, options: TaskOptions<TIn, TOut>): this {
    checkId(id, "task");
    checkTaskOptions(id, options as TaskOptions);
    const stage = taskStage(id, options as TaskOptions);
    this.steps.push({ kind: "task", id, stage, options: options as TaskOptions });
    return this;
  }

  /**
   * A choice: the conditions are tried in order and the run goes to the `next` of the first
   * that holds, else to `default` (no match and no default: `NO_CHOICE_MATCHED`). It hands
   * its input on unchanged.
   */
  choice(id: string, options: StepChoiceOptions): this {
    checkKnownOptions(id, "choice", options);
    choiceStep(
      id,
      choiceOptions(options, (t) => t),
    ); // checks it now
    this.steps.push({ kind: "choice", id, options });
    return this;
  }

  /**
   * Runs branches at the same time; the step's output is `{ [branchName]: branchOutput }`.
   * `next` or `end` apply after the branches. `onError: "fail-fast"` (default): a failed branch
   * fails the run at once; `"wait-all"`: every branch runs to its end, then the parallel fails
   * naming each failed branch (`PARALLEL_BRANCHES_FAILED`).
   */
  parallel(id: string, options: StepParallelOptions): this {
    checkId(id, "parallel");
    checkKnownOptions(id, "parallel", options);
    const branches = options?.branches;
    if (!Array.isArray(branches) || branches.length === 0)
      fail("INVALID_STEP", `parallel "${id}" needs at least one branch`, {
        stageId: id,
        field: "branches",
      });
    const names = new Set<string>();
    const compiled = branches.map((branch, i) => {
      const found = compiledBranches.get(branch);
      if (!found)
        fail(
          "INVALID_STEP",
          `parallel "${id}": branches[${i}] is not a branch built with workflow.branch(name)…build()`,
          { stageId: id, field: `branches[${i}]` },
        );
      if (names.has(branch.name))
        fail("INVALID_STEP", `parallel "${id}" has two branches named "${branch.name}"`, {
          stageId: id,
          field: `branches[${i}]`,
        });
      names.add(branch.name);
      return { name: branch.name, compiled: found };
    });
    if (
      options.onError !== undefined &&
      options.onError !== "fail-fast" &&
      options.onError !== "wait-all"
    )
      fail("INVALID_STEP", `parallel "${id}": onError must be "fail-fast" or "wait-all"`, {
        stageId: id,
        field: "onError",
      });
    checkFlowOptions(id, options);
    this.steps.push({ kind: "parallel", id, options, branches: compiled });
    return this;
  }

  /**
   * A pass step: hands on `transform(ctx)`, or a static `result`, or its input unchanged;
   * `next` jumps, `end: true` ends the run with its output.
   */
  pass(id: string, options: StepPassOptions = {}): this {
    checkId(id, "pass");
    checkKnownOptions(id, "pass", options);
    checkFlowOptions(id, options ?? {});
    const stage = passStep(id, options as Parameters<typeof passStep>[1]);
    this.steps.push({ kind: "pass", id, stage, options });
    return this;
  }

  /** An end marker: a pass step that ends the run with its input. */
  end(id: string): this {
    return this.pass(id, { end: true });
  }

  /**
   * A poll: `check(input, ctx)` now and then every `interval` ms until it returns
   * `{ done: true, result }` (the step's output); `POLL_TIMEOUT` after `timeout` ms,
   * `POLL_MAX_ATTEMPTS` after `maxAttempts` checks. No process waits in between.
   */
  poll<TResult = Loose>(id: string, options: StepPollOptions<TResult>): this {
    checkKnownOptions(id, "poll", options);
    const stage = withFields(POLL_FIELDS, () =>
      pollStep(id, {
        check: options?.check as Parameters<typeof pollStep>[1]["check"],
        intervalMs: options?.interval,
        ...(options?.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
        ...(options?.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      }),
    );
    this.steps.push({ kind: "poll", id, stage });
    return this;
  }

  /**
   * A loop: while `condition` holds the run jumps back to `target` (an earlier step), at most
   * `maxIterations` times, within `timeout` ms, `interval` ms apart; then it goes on.
   */
  loop(id: string, options: StepLoopOptions): this {
    checkKnownOptions(id, "loop", options);
    // Checks it now; it is compiled again in build(), where a target may be a parallel.
    withFields(LOOP_FIELDS, () =>
      loopStep(id, loopOptions(options ?? ({} as StepLoopOptions), options?.target)),
    );
    this.steps.push({ kind: "loop", id, options });
    return this;
  }

  /** A durable sleep of `ms` (or until a date): the stage is suspended, no process waits. */
  sleep(id: string, wait: StepSleepOptions): this {
    const stage = sleepStep(id, wait as SleepStepOptions);
    this.steps.push({ kind: "sleep", id, stage });
    return this;
  }

  /**
   * Waits for a signal sent with `run.signal` (see `WorkflowBuilder.waitForSignal`); the output
   * is `{ received: true, payload, … }` or `{ received: false, timedOut: true }`.
   */
  waitForSignal<T = Loose>(id: string, options: WaitForSignalOptions<Loose, T> = {}): this {
    this.steps.push({ kind: "wait", id, stage: waitForSignalStep(id, options) });
    return this;
  }

  /** Waits for a person's decision (see `WorkflowBuilder.approval`). */
  approval(id: string, options: ApprovalStepOptions = {}): this {
    this.steps.push({ kind: "wait", id, stage: approvalStep(id, options) });
    return this;
  }

  /** Dynamic fan-out over a list known at run time (see `WorkflowBuilder.map`). */
  map(id: string, target: AnyWorkflow | AnyStage, options: MapStepOptions<Loose, Loose>): this {
    this.steps.push({ kind: "wait", id, stage: mapStep(id, target, options) });
    return this;
  }

  /** Starts a child run and waits for its end, or not (see `WorkflowBuilder.child`). */
  child(id: string, workflow: AnyWorkflow, options: ChildStepOptions<Loose> = {}): this {
    this.steps.push({ kind: "wait", id, stage: childStep(id, workflow, options) });
    return this;
  }
}
