/**
 * Retention: how long finished runs are kept, per final status. The kernel-wide default is
 * `KernelOptions.retention`; a workflow's own `retention` overrides it status by status. The
 * `purge` duty (`runs.purge`) deletes runs past it with everything they own.
 */
import { type Duration, durationMs } from "./duration.js";
import type { RunStatus } from "./records.js";

/**
 * How long finished runs are kept after they ended, per final status: a number of ms or text
 * such as `"30d"` (see `parseDuration`); `Infinity` keeps them (overriding a default). A status
 * left out is kept unless a wider setting covers it (a workflow's falls back to the kernel's).
 *
 * @example
 * ```ts
 * const retention: RetentionPolicy = { completed: "7d", failed: "30d", cancelled: "7d" };
 * ```
 */
export interface RetentionPolicy {
  /** Runs that ended `COMPLETED`. */
  completed?: Duration;
  /** Runs that ended `FAILED` (and `TIMED_OUT`, unless `timedOut` is set). */
  failed?: Duration;
  /** Runs that ended `CANCELLED`. */
  cancelled?: Duration;
  /** Runs that ended `TIMED_OUT` (default: `failed`'s). */
  timedOut?: Duration;
  /** Runs that ended `COMPENSATED` (default: `failed`'s). */
  compensated?: Duration;
  /** Runs that ended `COMPENSATION_FAILED` (default: `failed`'s). */
  compensationFailed?: Duration;
}

/** A final run status (what retention is set per). */
export type FinishedRunStatus =
  | "COMPLETED"
  | "FAILED"
  | "CANCELLED"
  | "TIMED_OUT"
  | "COMPENSATED"
  | "COMPENSATION_FAILED";

/** A {@link RetentionPolicy} in ms per final status (absent: not set at this level). */
export type RetentionMs = { readonly [S in FinishedRunStatus]?: number };

const FIELDS = {
  completed: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
  timedOut: "TIMED_OUT",
  compensated: "COMPENSATED",
  compensationFailed: "COMPENSATION_FAILED",
} as const satisfies Record<keyof RetentionPolicy, FinishedRunStatus>;

/** The final statuses, in the order purges go through them. */
export const FINISHED_RUN_STATUSES: readonly FinishedRunStatus[] = Object.values(FIELDS);

/** Whether `status` is a final run status. */
export function isFinishedRunStatus(status: RunStatus | string): status is FinishedRunStatus {
  return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/**
 * What is wrong with `policy`, naming the field (`undefined`: nothing). A policy is an object
 * whose fields are among `completed`, `failed`, `cancelled`, `timedOut`, each a whole number of
 * ms ≥ 0, `Infinity` or a duration text.
 */
export function retentionProblem(policy: unknown): { field: string; message: string } | undefined {
  if (typeof policy !== "object" || policy === null || Array.isArray(policy))
    return { field: "", message: "must be an object such as { completed: '30d' }" };
  for (const [field, value] of Object.entries(policy)) {
    if (!(field in FIELDS))
      return {
        field,
        message:
          "is not one of completed, failed, cancelled, timedOut, compensated, compensationFailed",
      };
    if (value === undefined) continue;
    if (
      (typeof value !== "number" && typeof value !== "string") ||
      durationMs(value as Duration) === undefined
    )
      return {
        field,
        message: `must be a whole number of ms >= 0, Infinity or a duration such as "30d", got ${JSON.stringify(value) ?? String(value)}`,
      };
  }
  return undefined;
}

/**
 * `policy` in ms per status (checked first with {@link retentionProblem}); `TIMED_OUT`,
 * `COMPENSATED` and `COMPENSATION_FAILED` take `failed`'s when their own field is not set.
 */
export function retentionMs(policy: RetentionPolicy): RetentionMs {
  const out: { [S in FinishedRunStatus]?: number } = {};
  for (const [field, status] of Object.entries(FIELDS) as [
    keyof RetentionPolicy,
    FinishedRunStatus,
  ][]) {
    const value = policy[field];
    if (value !== undefined) out[status] = durationMs(value) as number;
  }
  if (out.TIMED_OUT === undefined && out.FAILED !== undefined) out.TIMED_OUT = out.FAILED;
  if (out.COMPENSATED === undefined && out.FAILED !== undefined) out.COMPENSATED = out.FAILED;
  if (out.COMPENSATION_FAILED === undefined && out.FAILED !== undefined)
    out.COMPENSATION_FAILED = out.FAILED;
  return Object.freeze(out);
}

/** `over` status by status over `base` (a workflow's retention over the kernel's). */
export function mergeRetention(base: RetentionMs, over: RetentionMs | undefined): RetentionMs {
  return over === undefined ? base : Object.freeze({ ...base, ...over });
}
