/**
 * What a built workflow is, as the kernel runs it: its groups, flow, retry and timeout
 * settings. Both builders (`WorkflowBuilder` and `workflow()`) produce one through
 * `buildWorkflow`.
 */

import type { z } from "zod";
import type { RetentionMs } from "../retention.js";
import type { EventSchemas } from "./context.js";
import type { FlowLimits } from "./flow-limits.js";
import type { ResolvedHooks } from "./hooks.js";
import type { RetryOverrides } from "./retry-policy.js";
import type { AnyStage } from "./stage.js";
import type { WorkflowMigration } from "./versioning.js";

/**
 * At most `limit` runs of the workflow — or, with `key`, of the runs whose input gives the same
 * key — are `RUNNING` at once; the others wait `PENDING` and are claimed as slots free up.
 */
export interface ConcurrencyLimit {
  limit: number;
  /** Groups runs by a key of their input (e.g. the tenant); default: one group per workflow. */
  key?: (input: never) => string;
}

/** A built workflow, as the kernel runs it. */
export interface Workflow<TInput = unknown, TOutput = unknown> {
  readonly id: string;
  /**
   * The author's version (default `"1"`). Runs record it; a run continues only on a definition
   * with its version and {@link fingerprint}, and new runs start on the newest registered.
   */
  readonly version: string;
  /**
   * A hash of the stage graph (stage ids, order, groups, routes, schema shapes), computed at
   * build time, so an edit made without bumping {@link version} is told apart too.
   */
  readonly fingerprint: string;
  /** Migrations this version declares for runs of older versions (see `run.migrate`). */
  readonly migrations: readonly WorkflowMigration[];
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
  /** Per group: the group the run goes to when it closes, or `END` (-1). */
  readonly flow: readonly number[];
  /** Whether any group jumps or routes (the run then keeps control state). */
  readonly branching: boolean;
  /** The run ends `TIMED_OUT` this long after it started (ms), if set. */
  readonly timeoutMs: number | undefined;
  /** The workflow's concurrency limit, if any. */
  readonly concurrency: ConcurrencyLimit | undefined;
  /** Custom events any of its stages may emit with `ctx.emit` (optional for hand-made definitions). */
  readonly events?: EventSchemas | undefined;
  /** Its start rate limit or throttle and default priority (see `FlowLimits`); optional for hand-made definitions. */
  readonly flowLimits?: FlowLimits | undefined;
  /**
   * How long its finished runs are kept, per final status, over the kernel's
   * `options.retention` (absent: the kernel's applies). Optional so hand-made definitions need
   * not set it.
   */
  readonly retention?: RetentionMs | undefined;
  /** Its end hooks, attached with `withHooks` (see `hooks.ts`). */
  readonly hooks?: ResolvedHooks | undefined;
}

/** Any workflow, whatever its types. */
// biome-ignore lint/suspicious/noExplicitAny: the variance of workflow types needs `any` here
export type AnyWorkflow = Workflow<any, any>;
