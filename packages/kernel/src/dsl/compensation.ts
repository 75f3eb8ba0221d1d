/**
 * Compensation (sagas): what a stage's `compensate` receives, and how its compensation is named
 * among the run's stage records.
 *
 * When a run fails or is cancelled after stages that declare `compensate` completed, the run
 * goes `COMPENSATING` and their compensations run one at a time, newest completion first, each
 * as a stage attempt of its own (a job, with retries, leases and an exactly-once commit), under
 * the stage record `compensate:<stageId>`; the run then ends `COMPENSATED` or
 * `COMPENSATION_FAILED`.
 */
import { type RetryOverrides, retryOverrides, type StageRetryPolicy } from "./retry-policy.js";

/** What a compensation receives: the completed stage's input and output, and why it runs. */
export interface CompensationContext<TInput = unknown, TOutput = unknown> {
  /** The input the stage completed with (as its `execute` received it, before parsing). */
  input: TInput;
  /** The output the stage committed. */
  output: TOutput;
  /** The run's input. */
  runInput: unknown;
  /** Whether the run had failed or was cancelled. */
  cause: "FAILED" | "CANCELLED";
  /** Why: the failure, or `{ code: "CANCELLED", message: reason }`. */
  error: { code: string; message: string; stageId?: string } | null;
  workflowRunId: string;
  /** The id of the stage being compensated. */
  stageId: string;
  /** This compensation attempt (1-based) and how many it may use. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the worker loses the job's lease or shuts down. */
  signal: AbortSignal;
}

/** A stage's compensating action: undoes what the stage did. Throw to retry it. */
export type CompensateFn<TInput = unknown, TOutput = unknown> = (
  ctx: CompensationContext<TInput, TOutput>,
) => Promise<unknown> | unknown;

/** The compensation a stage declares, as the kernel keeps it. */
export interface StageCompensation {
  readonly run: CompensateFn;
  /** Its retry fields over the stage's own policy (absent: the stage's policy). */
  readonly retry: RetryOverrides | undefined;
}

/** What a stage definition may add to declare a compensation. */
export interface CompensationFields<TInput, TOutput> {
  /**
   * Undoes the stage when the run fails or is cancelled after it completed (see
   * `docs/workflows.md`, "Compensation (sagas)"). Runs at least once per completed stage;
   * its commit is exactly once.
   */
  compensate?: CompensateFn<TInput, TOutput>;
  /** The compensation's retry policy, over the stage's own field by field. */
  compensateRetry?: StageRetryPolicy;
}

/** The prefix of a compensation's stage record id (`:` is not allowed in stage ids). */
export const COMPENSATION_PREFIX = "compensate:";

/** The stage record id of `stageId`'s compensation. */
export function compensationStageId(stageId: string): string {
  return `${COMPENSATION_PREFIX}${stageId}`;
}

/** The stage a compensation record compensates, or `undefined` for an ordinary stage id. */
export function compensatedStageId(recordStageId: string): string | undefined {
  return recordStageId.startsWith(COMPENSATION_PREFIX)
    ? recordStageId.slice(COMPENSATION_PREFIX.length)
    : undefined;
}

/** The `compensation` field of a stage defined with `def` (nothing when it declares none). */
export function compensationOf(def: { id: string } & CompensationFields<never, never>): {
  compensation?: StageCompensation;
} {
  if (!def.compensate) return {};
  const retry = def.compensateRetry
    ? retryOverrides(def.compensateRetry, `compensation of stage "${def.id}"`, {
        stageId: def.id,
      })
    : undefined;
  return { compensation: { run: def.compensate as CompensateFn, retry } };
}
