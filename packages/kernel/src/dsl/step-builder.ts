/**
 * `workflow("name")`: the step-function builder style — tasks with inline handlers, choices,
 * parallel branches, pass, poll, loop and sleep steps, declared in order. It compiles to the
 * same stage graph `WorkflowBuilder` builds (through `buildWorkflow`); it is not a second
 * engine. Steps run in declaration order unless one says `next` (a jump) or `end`, or a choice
 * routes.
 *
 * A parallel step compiles to a parallel group — a branch that is one task is that task's
 * stage, a longer branch is one stage (id: the branch's name) running its steps in order —
 * followed by a pass stage with the parallel's id whose output is `{ [branchName]: output }`.
 * Jumps to the parallel's id go to its group.
 *
 * `.isolated()` makes the workflow's tasks (and multi-step branches) isolated stages by default:
 * their handlers run in a child process or a worker thread (see `isolation.ts`); a task's own
 * `isolation` option wins, `isolation: false` opts it out. Choices, loops, polls and pass steps
 * run in the worker.
 */
import { z } from "zod";
import type { RetentionPolicy } from "../retention.js";
import { joinSettled, settlingBranch } from "./branch-settle.js";
import type { EventSchemas } from "./context.js";
import type { FlowLimits } from "./flow-limits.js";
import type { IsolationOption, StageIsolation } from "./isolation.js";
import type { StageRetryPolicy } from "./retry-policy.js";
import type { AnyStage } from "./stage.js";
import { StepBranchBuilder } from "./step-builder-branch.js";
import { withDefaultIsolation, workflowIsolation } from "./step-builder-isolation.js";
import {
  type CompiledBranch,
  choiceOptions,
  fail,
  flowOf,
  loopOptions,
  StepSequenceBuilder,
} from "./step-builder-sequence.js";
import { isZodSchema } from "./step-builder-task.js";
import { choiceStep, loopStep, passStep } from "./steps.js";
import type { MigrateRun } from "./versioning.js";
import type { AnyWorkflow, ConcurrencyLimit } from "./workflow.js";
import { buildWorkflow, type GroupNext } from "./workflow-graph.js";

/**
 * Builds a workflow step by step (see {@link workflow}). `build()` returns the kernel
 * `Workflow` (id and name: the workflow's name).
 */
export class StepWorkflowBuilder extends StepSequenceBuilder {
  private text = "";
  private retryDefault: StageRetryPolicy | undefined;
  private timeoutMs: number | undefined;
  private limit: ConcurrencyLimit | undefined;
  private flow: FlowLimits = {};
  private keep: RetentionPolicy | undefined;
  private versionTag: string | number | undefined;
  private readonly migrations: { from: string | number; migrate?: MigrateRun }[] = [];
  private declared: EventSchemas | undefined;
  private isolation: StageIsolation | undefined;

  /** @param name The workflow's name, which is also its id. */
  constructor(private readonly name: string) {
    super();
  }

  /**
   * Custom events any of its tasks may emit with `ctx.emit`, by name, with their payload
   * schemas (a task's own `events` win for a name both declare); see `WorkflowBuilder.events`.
   */
  events(events: EventSchemas): this {
    this.declared = { ...this.declared, ...events };
    return this;
  }

  /** The workflow's description. */
  description(text: string): this {
    this.text = String(text);
    return this;
  }

  /**
   * Runs the workflow's tasks isolated, in a child process (`.isolated()`, `.isolated(true)`,
   * `.isolated("process")`) or a worker thread (`.isolated("thread")`), or with limits
   * (`.isolated({ mode, memoryMb, timeoutMs, module: import.meta.url })`); `.isolated(false)`
   * turns it off. A task's own `isolation` option wins. Invalid options throw
   * `INVALID_ISOLATION`. Needs a host with a stage runner (docs/workflows.md, "Isolated stages").
   */
  isolated(option: IsolationOption | boolean = true): this {
    this.isolation = workflowIsolation(this.name, option);
    return this;
  }

  /** The retry policy of steps that set none; a step's `retry` overrides it field by field. */
  defaultRetry(policy: StageRetryPolicy): this {
    this.retryDefault = policy;
    return this;
  }

  /** Ends a run `TIMED_OUT` (error `WORKFLOW_TIMEOUT`) if it is still going `ms` after it started. */
  timeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }

  /** At most `limit` runs (per `key` of their input, if given) are `RUNNING` at once. */
  concurrency(limit: ConcurrencyLimit): this {
    this.limit = limit;
    return this;
  }

  /**
   * Start limits and default priority: `rateLimit`, `throttle`, `priority` (see
   * `WorkflowBuilder.limits` and {@link FlowLimits}).
   */
  limits(limits: FlowLimits): this {
    this.flow = { ...this.flow, ...limits };
    return this;
  }

  /** How long finished runs are kept, per final status; see `WorkflowBuilder.retention`. */
  retention(policy: RetentionPolicy): this {
    this.keep = policy;
    return this;
  }

  /** This definition's version (default `"1"`); see `WorkflowBuilder.version`. */
  version(version: string | number): this {
    this.versionTag = version;
    return this;
  }

  /** Lets waiting runs of version `from` move to this one; see `WorkflowBuilder.migrateFrom`. */
  migrateFrom(from: string | number, migrate?: MigrateRun): this {
    this.migrations.push(migrate ? { from, migrate } : { from });
    return this;
  }

  /**
   * Compiles the steps to the stage graph and checks it (see `buildWorkflow` for the codes:
   * `UNKNOWN_NEXT_STAGE`, `UNREACHABLE_STAGE`, `INCOMPATIBLE_SCHEMAS`, …; a step id used twice,
   * also inside a branch, is `DUPLICATE_STAGE_ID`). The workflow's input schema is the first
   * step's zod `inputSchema` when it is a task with one, else anything; its output: anything.
   */
  build(): AnyWorkflow {
    const seen = new Set<string>();
    const use = (id: string) => {
      if (seen.has(id))
        fail("DUPLICATE_STAGE_ID", `workflow "${this.name}" uses step id "${id}" twice`, {
          workflowId: this.name,
          stageId: id,
        });
      seen.add(id);
    };
    // A jump to a parallel step goes to its group (its first stage).
    const entries = new Map<string, string>();
    for (const step of this.steps) {
      use(step.id);
      if (step.kind !== "parallel") continue;
      for (const branch of step.branches) for (const id of branch.compiled.ids) use(id);
      entries.set(step.id, (step.branches[0] as { compiled: CompiledBranch }).compiled.stage.id);
    }
    const to = (id: string) => entries.get(id) ?? id;
    const jump = (options: { next?: string; end?: boolean }) => {
      const flow = flowOf(options);
      return flow?.next !== undefined ? { next: to(flow.next) } : flow;
    };

    const groups: AnyStage[][] = [];
    const nexts: (GroupNext | undefined)[] = [];
    for (const step of this.steps) {
      switch (step.kind) {
        case "task":
          groups.push([withDefaultIsolation(step.stage, this.isolation)]);
          nexts.push(jump(step.options));
          break;
        case "pass":
          groups.push([step.stage]);
          nexts.push(jump(step.options));
          break;
        case "poll":
        case "sleep":
        case "wait":
          groups.push([step.stage]);
          nexts.push(undefined);
          break;
        case "choice":
          groups.push([choiceStep(step.id, choiceOptions(step.options, to))]);
          nexts.push(undefined);
          break;
        case "loop":
          groups.push([loopStep(step.id, loopOptions(step.options, to(step.options.target)))]);
          nexts.push(undefined);
          break;
        case "parallel": {
          const waitAll = step.options.onError === "wait-all";
          groups.push(
            step.branches.map((b) => {
              const stage = withDefaultIsolation(b.compiled.stage, this.isolation);
              return waitAll ? settlingBranch(stage) : stage;
            }),
          );
          nexts.push(undefined);
          const keys = step.branches.map((b) => [b.name, b.compiled.stage.id] as const);
          const parallelId = step.id;
          const join = passStep(step.id, {
            transform: (ctx) => {
              const outputs = Object.fromEntries(
                keys.map(([name, stageId]) => [name, ctx.getStepResult(stageId)]),
              );
              return waitAll ? joinSettled(parallelId, outputs) : outputs;
            },
          });
          groups.push([Object.freeze({ ...join, stepType: "parallel" }) as AnyStage]);
          nexts.push(jump(step.options));
          break;
        }
      }
    }
    const first = this.steps[0];
    const inputSchema =
      first?.kind === "task" && isZodSchema(first.options.inputSchema)
        ? first.options.inputSchema
        : z.any();
    return buildWorkflow({
      id: this.name,
      name: this.name,
      description: this.text,
      inputSchema,
      outputSchema: z.any(),
      groups,
      nexts,
      defaultRetry: this.retryDefault,
      timeoutMs: this.timeoutMs,
      concurrency: this.limit,
      flowLimits: this.flow,
      retention: this.keep,
      version: this.versionTag,
      migrations: this.migrations,
      events: this.declared,
    });
  }
}

/**
 * Starts a workflow in the step-function style; the workflow's id and name are `name`.
 *
 * @example
 * ```ts
 * const wf = workflow("process-order")
 *   .task("validate", {
 *     inputSchema: z.object({ orderId: z.string() }),
 *     handler: async (input, ctx) => ctx.plugins.orders.validate(input.orderId),
 *   })
 *   .choice("check", {
 *     choices: [{ condition: (ctx) => ctx.steps.validate.inStock, next: "ship" }],
 *     default: "backorder",
 *   })
 *   .task("ship", { handler: async (input, ctx) => ctx.plugins.shipping.ship(input), end: true })
 *   .task("backorder", { handler: async () => ({ backordered: true }) })
 *   .build();
 * ```
 */
export function workflow(name: string): StepWorkflowBuilder {
  return new StepWorkflowBuilder(name);
}

/**
 * Starts a parallel branch named `name` (its key in the parallel's output); add tasks and
 * pass steps, then `build()` it for `.parallel(id, { branches })`.
 */
workflow.branch = (name: string): StepBranchBuilder => new StepBranchBuilder(name);
