/**
 * The waiting steps: a sleep suspends its stage until a scheduled wake-up (`stage.wake`); a
 * poll is an async-batch stage whose first check runs in its job and later ones every interval
 * through `stage.pollSuspended`. Nothing waits in any process, so both survive restarts.
 */

import { z } from "zod";
import { NonRetryableError, WorkflowDefinitionError } from "../errors.js";
import type { CompletionContext, StageContext, StageLogger, StepView } from "./context.js";
import { sleepFor } from "./flow.js";
import type { AnyStage, CompletionCheck } from "./stage.js";
import { anything, checkId, flowStage, needFunction, stepView } from "./steps.js";

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
        // Without a timeout of its own, the kernel's `suspendMaxWaitMs` (7 days) applies.
        ...(options.timeoutMs !== undefined ? { maxWaitMs: options.timeoutMs } : {}),
        maxWaitCode: "POLL_TIMEOUT",
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
