/**
 * Workflow hooks: `onComplete`, `onFailure` and `onCancel`, run durably once per run after it
 * ended. Attach them to a built workflow with {@link withHooks} (either builder). When a run of
 * the workflow ends, the same transaction creates the stage record `hook:<name>` and enqueues
 * its job; any worker runs it with retries, and its outcome commits exactly once
 * (`workflow.hook.completed` / `.retry` / `.failed`). The hook's code runs at least once.
 */
import type { RunStatus } from "../records.js";
import { type RetryOverrides, retryOverrides, type StageRetryPolicy } from "./retry-policy.js";

/** The names of the end hooks. */
export type EndHookName = "onComplete" | "onFailure" | "onCancel";

/** What `shouldRun` and `onBeforeStart` receive: the run as it starts. */
export interface StartHookContext {
  workflowRunId: string;
  workflowId: string;
  input: unknown;
  /** This attempt (1-based) and how many it may use. */
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
}

/** What `onAfterStep` receives: the stage whose result committed. */
export interface AfterStepContext {
  workflowRunId: string;
  workflowId: string;
  stageId: string;
  /** The attempt that completed. */
  attempt: number;
  /** The id of the stage's `workflow.step.completed` event (to deduplicate on). */
  eventId: string;
}

/** The stage record id of a run's start hooks (`shouldRun`, then `onBeforeStart`). */
export const START_HOOK_STAGE_ID = "hook:onStart";

/** What an end hook receives. */
export interface HookContext {
  workflowRunId: string;
  workflowId: string;
  /** How the run ended. */
  status: RunStatus;
  /** The run's input and, when it completed, its output. */
  input: unknown;
  output: unknown;
  /** Why it failed or was cancelled (`null` when it completed). */
  error: { code: string; message: string; stageId?: string } | null;
  /** This attempt of the hook (1-based) and how many it may use. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the worker loses the job's lease or shuts down. */
  signal: AbortSignal;
}

/** A hook's function. Throw to retry it. */
export type HookFn = (ctx: HookContext) => Promise<unknown> | unknown;

/** The hooks {@link withHooks} attaches. */
export interface WorkflowHooks {
  /** After the run ended `COMPLETED`. */
  onComplete?: HookFn;
  /** After it ended `FAILED` or `TIMED_OUT`, or compensated after a failure. */
  onFailure?: HookFn;
  /** After it ended `CANCELLED`, or compensated after a cancel. */
  onCancel?: HookFn;
  /**
   * When the run is claimed, before its first stage: `false` ends it `CANCELLED` (reason
   * `skipped: shouldRun returned false`) without running a stage — e.g. to skip a duplicate.
   */
  shouldRun?: (ctx: StartHookContext) => boolean | Promise<boolean>;
  /** After `shouldRun` said yes, before the first stage starts. */
  onBeforeStart?: (ctx: StartHookContext) => unknown;
  /**
   * After each stage's completion committed, at least once: called by `outbox.flush` before it
   * publishes the stage's `workflow.step.completed` (a throw retries that event).
   */
  onAfterStep?: (ctx: AfterStepContext) => unknown;
  /** The hooks' retry policy (default: 3 attempts, the default back-off). */
  retry?: StageRetryPolicy;
}

/** The hooks of a workflow, as the kernel keeps them. */
export interface ResolvedHooks {
  readonly onComplete?: HookFn;
  readonly onFailure?: HookFn;
  readonly onCancel?: HookFn;
  readonly shouldRun?: (ctx: StartHookContext) => boolean | Promise<boolean>;
  readonly onBeforeStart?: (ctx: StartHookContext) => unknown;
  readonly onAfterStep?: (ctx: AfterStepContext) => unknown;
  readonly retry: RetryOverrides | undefined;
}

/** The prefix of a hook's stage record id (`:` is not allowed in stage ids). */
export const HOOK_PREFIX = "hook:";

/** The hook a stage record id names, or `undefined` for any other. */
export function hookOfStageId(stageId: string): EndHookName | undefined {
  if (!stageId.startsWith(HOOK_PREFIX)) return undefined;
  const name = stageId.slice(HOOK_PREFIX.length);
  return name === "onComplete" || name === "onFailure" || name === "onCancel" ? name : undefined;
}

/**
 * The hook that follows a run's end: `cause` is the compensation's cause for a compensated run.
 */
export function endHookFor(status: RunStatus, cause?: string): EndHookName | undefined {
  if (status === "COMPLETED") return "onComplete";
  if (status === "FAILED" || status === "TIMED_OUT") return "onFailure";
  if (status === "CANCELLED") return "onCancel";
  if (status === "COMPENSATED" || status === "COMPENSATION_FAILED")
    return cause === "CANCELLED" ? "onCancel" : "onFailure";
  return undefined;
}

/**
 * `workflow` with end hooks: after each of its runs ends, the matching hook runs once, durably.
 *
 * @example
 * ```ts
 * const notified = withHooks(workflow("order").task("charge", { handler }).build(), {
 *   onFailure: async (ctx) => alert(`order ${ctx.workflowRunId} failed: ${ctx.error?.message}`),
 * });
 * ```
 */
export function withHooks<W extends { readonly id: string }>(workflow: W, hooks: WorkflowHooks): W {
  const resolved: ResolvedHooks = Object.freeze({
    ...(hooks.onComplete ? { onComplete: hooks.onComplete } : {}),
    ...(hooks.onFailure ? { onFailure: hooks.onFailure } : {}),
    ...(hooks.onCancel ? { onCancel: hooks.onCancel } : {}),
    ...(hooks.shouldRun ? { shouldRun: hooks.shouldRun } : {}),
    ...(hooks.onBeforeStart ? { onBeforeStart: hooks.onBeforeStart } : {}),
    ...(hooks.onAfterStep ? { onAfterStep: hooks.onAfterStep } : {}),
    retry: hooks.retry
      ? retryOverrides(hooks.retry, `hooks of workflow "${workflow.id}"`, {
          workflowId: workflow.id,
        })
      : undefined,
  });
  return Object.freeze({ ...workflow, hooks: resolved });
}

/** Whether a workflow's runs start with a start hook (`shouldRun` or `onBeforeStart`). */
export function hasStartHook(hooks: ResolvedHooks | undefined): boolean {
  return hooks?.shouldRun !== undefined || hooks?.onBeforeStart !== undefined;
}
