/**
 * Retry policies: how many attempts a stage gets, how long to wait between them, and which
 * errors are worth retrying. A stage's own policy overrides its workflow's default field by
 * field; what neither sets comes from {@link DEFAULT_RETRY}. The wait is a scheduled retry (the
 * job becomes available again at its retry time), never a busy wait.
 */
import { WorkflowDefinitionError } from "../errors.js";

/** A retry policy as written on a stage or as a workflow's default. */
export interface StageRetryPolicy {
  /** Attempts in total, including the first (default 3). */
  maxAttempts?: number;
  /** Delay before the second attempt (default 1000 ms). */
  intervalMs?: number;
  /** Each further delay is the previous one times this (default 2; 1 keeps it constant). */
  backoffRate?: number;
  /** Longest delay (default 60 000 ms, or `intervalMs` if that is longer). */
  maxIntervalMs?: number;
  /**
   * Randomises each delay down by up to this fraction (0–1, default 0): with 0.5 a 4 s delay
   * becomes 2–4 s, so many runs failing together do not retry together.
   */
  jitter?: number;
  /**
   * Retry only errors matching one of these (default: every error). A string matches an
   * error whose `code` or `name` equals it, or whose message contains it; a RegExp is tested
   * against the code, the name and the message. A `NonRetryableError` is never retried.
   */
  retryOn?: readonly (string | RegExp)[];
  /** Former name of `intervalMs`. */
  backoffMs?: number;
  /** Former name of `maxIntervalMs`. */
  maxBackoffMs?: number;
}

/** A policy with every field decided. */
export interface ResolvedRetryPolicy {
  readonly maxAttempts: number;
  readonly intervalMs: number;
  readonly backoffRate: number;
  readonly maxIntervalMs: number;
  readonly jitter: number;
  /** `undefined`: every error is retried. */
  readonly retryOn: readonly (string | RegExp)[] | undefined;
}

/** What applies where nothing else is set. */
export const DEFAULT_RETRY: ResolvedRetryPolicy = Object.freeze({
  maxAttempts: 3,
  intervalMs: 1_000,
  backoffRate: 2,
  maxIntervalMs: 60_000,
  jitter: 0,
  retryOn: undefined,
});

/** The fields a policy sets, checked, with the former names mapped. */
export type RetryOverrides = Partial<ResolvedRetryPolicy>;

function invalid(where: string, field: string, message: string, ids: object): never {
  throw new WorkflowDefinitionError(
    "INVALID_RETRY_POLICY",
    `[ratchet] ${where}: retry.${field} ${message}`,
    { ...ids, field: `retry.${field}` },
  );
}

/**
 * Checks a policy as written and returns the fields it sets. Throws
 * `INVALID_RETRY_POLICY` naming the field (`where` says whose policy it is, e.g.
 * `stage "fetch"`).
 */
export function retryOverrides(
  policy: StageRetryPolicy,
  where: string,
  ids: { stageId?: string; workflowId?: string },
): RetryOverrides {
  const out: { -readonly [K in keyof ResolvedRetryPolicy]?: ResolvedRetryPolicy[K] } = {};
  const number = (field: string, value: unknown, ok: (n: number) => boolean, rule: string) => {
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || !ok(value))
      invalid(where, field, `must be ${rule}`, ids);
    return value;
  };
  const maxAttempts = number(
    "maxAttempts",
    policy.maxAttempts,
    (n) => Number.isInteger(n) && n >= 1,
    "an integer >= 1",
  );
  if (maxAttempts !== undefined) out.maxAttempts = maxAttempts;
  const intervalMs = number(
    policy.intervalMs === undefined ? "backoffMs" : "intervalMs",
    policy.intervalMs ?? policy.backoffMs,
    (n) => n >= 0,
    "a number of milliseconds >= 0",
  );
  if (intervalMs !== undefined) out.intervalMs = intervalMs;
  const maxIntervalMs = number(
    policy.maxIntervalMs === undefined ? "maxBackoffMs" : "maxIntervalMs",
    policy.maxIntervalMs ?? policy.maxBackoffMs,
    (n) => n >= 0,
    "a number of milliseconds >= 0",
  );
  if (maxIntervalMs !== undefined) out.maxIntervalMs = maxIntervalMs;
  if (intervalMs !== undefined && maxIntervalMs !== undefined && intervalMs > maxIntervalMs)
    invalid(where, "maxIntervalMs", `must be at least intervalMs (${intervalMs})`, ids);
  const backoffRate = number("backoffRate", policy.backoffRate, (n) => n >= 1, "a number >= 1");
  if (backoffRate !== undefined) out.backoffRate = backoffRate;
  const jitter = number("jitter", policy.jitter, (n) => n >= 0 && n <= 1, "between 0 and 1");
  if (jitter !== undefined) out.jitter = jitter;
  if (policy.retryOn !== undefined) {
    if (
      !Array.isArray(policy.retryOn) ||
      !policy.retryOn.every((m) => typeof m === "string" || m instanceof RegExp)
    )
      invalid(where, "retryOn", "must be an array of strings and regular expressions", ids);
    out.retryOn = Object.freeze([...policy.retryOn]);
  }
  return Object.freeze(out);
}

/**
 * `overrides` over `base` (each a partial), over {@link DEFAULT_RETRY}. Where no policy sets
 * `maxIntervalMs`, the cap is never below `intervalMs` (a 10-minute interval stays 10 minutes).
 */
export function resolveRetry(
  overrides: RetryOverrides | undefined,
  base?: RetryOverrides,
): ResolvedRetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...base, ...overrides };
  if (overrides?.maxIntervalMs === undefined && base?.maxIntervalMs === undefined)
    policy.maxIntervalMs = Math.max(policy.maxIntervalMs, policy.intervalMs);
  return Object.freeze(policy);
}

/**
 * Delay before the attempt after `attempt` (1-based):
 * `min(maxIntervalMs, intervalMs · backoffRate^(attempt−1))`, minus up to `jitter` of it
 * (`random` in [0, 1)).
 */
export function retryDelayMs(
  policy: ResolvedRetryPolicy,
  attempt: number,
  random: () => number,
): number {
  const base = Math.min(
    policy.maxIntervalMs,
    policy.intervalMs * policy.backoffRate ** Math.max(0, attempt - 1),
  );
  if (policy.jitter === 0) return base;
  return Math.round(base * (1 - policy.jitter * random()));
}

/** Whether an error with these fields is one the policy retries. */
export function retriesError(
  policy: ResolvedRetryPolicy,
  error: { code: string; name?: string; message: string },
): boolean {
  const matchers = policy.retryOn;
  if (matchers === undefined) return true;
  const test = (m: RegExp, text: string | undefined) => {
    if (text === undefined) return false;
    m.lastIndex = 0; // a /g or /y expression keeps state between calls
    return m.test(text);
  };
  return matchers.some((m) =>
    typeof m === "string"
      ? error.code === m || error.name === m || error.message.includes(m)
      : test(m, error.code) || test(m, error.name) || test(m, error.message),
  );
}
