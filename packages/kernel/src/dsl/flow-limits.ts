/**
 * A workflow's start limits and default priority: `rateLimit` (at most N starts per period),
 * `throttle` (starts spread evenly) and `priority` (a number or a function of the input). The
 * limits apply per key — the same key as the workflow's `concurrency`, so a workflow names at
 * most one key function — and hold across every worker of the database (see
 * docs/workflows.md, "Rate limits and flow control").
 */
import { RatchetError, WorkflowDefinitionError } from "../errors.js";
import type { StartRate } from "../ports/persistence/flow-limits.js";

/**
 * At most `limit` runs start in each period of `periodMs` (periods aligned to multiples of
 * `periodMs`); runs over it wait `PENDING` for the next period — none fails.
 */
export interface RateLimit {
  limit: number;
  periodMs: number;
  /** Limits per key of the input (e.g. the tenant) instead of per workflow. */
  key?: (input: never) => string;
}

/**
 * Starts spread evenly: one every `periodMs / limit`, at most `burst` (default 1) at once after
 * a quiet spell; the others wait `PENDING`.
 */
export interface Throttle extends RateLimit {
  burst?: number;
}

/**
 * One active run per key (`PENDING`, `SCHEDULED` or `RUNNING`). A `run.create` while one is
 * active: `"skip"` creates nothing and returns the active run (`skipped: true`); `"queue"`
 * creates the run, which waits `PENDING` until the active one ends (a concurrency limit of 1).
 */
export interface Singleton {
  mode: "skip" | "queue";
  /** One active run per key of the input instead of per workflow. */
  key?: (input: never) => string;
}

/**
 * Runs created with the same key within `periodMs` of each other collapse into one: the first
 * create makes a `SCHEDULED` run that starts `periodMs` later; each further create within the
 * window gives it its input (the last one wins) and pushes its start to `periodMs` after itself.
 */
export interface Debounce {
  periodMs: number;
  /** Debounce per key of the input instead of per workflow. */
  key?: (input: never) => string;
}

/** A workflow's default run priority: a number, or a function of the (parsed) input. */
export type PriorityOf = number | ((input: never) => number);

/** The start limits and priority of a workflow, as its definition gives them. */
export interface FlowLimits {
  rateLimit?: RateLimit | undefined;
  throttle?: Throttle | undefined;
  singleton?: Singleton | undefined;
  debounce?: Debounce | undefined;
  priority?: PriorityOf | undefined;
}

const posInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 1;

function fail(id: string, field: string, message: string): never {
  throw new WorkflowDefinitionError(
    "INVALID_FLOW_LIMIT",
    `[ratchet] workflow "${id}": ${message}`,
    {
      workflowId: id,
      field,
    },
  );
}

/**
 * Checks a definition's limits (`INVALID_FLOW_LIMIT`, naming the field): integer limits and
 * periods >= 1, not both a rate limit and a throttle, key functions, and one key function at
 * most between them and `concurrencyKey` (the runs' key is one).
 */
export function checkFlowLimits(
  id: string,
  limits: FlowLimits,
  concurrencyKey: unknown,
  hasConcurrency = false,
): FlowLimits {
  const { rateLimit, throttle, singleton, debounce, priority } = limits;
  if (debounce) {
    if (!posInt(debounce.periodMs))
      fail(id, "debounce.periodMs", "debounce needs an integer periodMs >= 1");
    if (debounce.key !== undefined && typeof debounce.key !== "function")
      fail(id, "debounce.key", "debounce.key must be a function");
    const other = concurrencyKey ?? rateLimit?.key ?? throttle?.key ?? singleton?.key;
    if (debounce.key && other && debounce.key !== other)
      fail(id, "debounce.key", "the limits share one key: give the key function once");
  }
  if (singleton) {
    if (singleton.mode !== "skip" && singleton.mode !== "queue")
      fail(id, "singleton.mode", 'singleton.mode must be "skip" or "queue"');
    if (singleton.key !== undefined && typeof singleton.key !== "function")
      fail(id, "singleton.key", "singleton.key must be a function");
    if (hasConcurrency)
      fail(
        id,
        "singleton",
        "a singleton is a concurrency limit of 1: give singleton or concurrency",
      );
    const other = rateLimit?.key ?? throttle?.key;
    if (singleton.key && other && singleton.key !== other)
      fail(id, "singleton.key", "the limits share one key: give the key function once");
  }
  if (rateLimit && throttle) fail(id, "throttle", "give a rateLimit or a throttle, not both");
  const rate = rateLimit ?? throttle;
  const field = rateLimit ? "rateLimit" : "throttle";
  if (rate) {
    if (!posInt(rate.limit) || !posInt(rate.periodMs))
      fail(id, field, `${field} needs integer limit and periodMs >= 1`);
    if (rate.key !== undefined && typeof rate.key !== "function")
      fail(id, `${field}.key`, `${field}.key must be a function`);
    if (rate.key && concurrencyKey && rate.key !== concurrencyKey)
      fail(
        id,
        `${field}.key`,
        `${field} and concurrency share one key: give the key function once`,
      );
    if (throttle?.burst !== undefined && !posInt(throttle.burst))
      fail(id, "throttle.burst", "throttle.burst must be an integer >= 1");
  }
  if (
    priority !== undefined &&
    typeof priority !== "function" &&
    !(Number.isSafeInteger(priority) && Math.abs(priority) <= 1_000_000)
  )
    fail(id, "priority", "priority must be an integer from -1000000 to 1000000 or a function");
  const out: FlowLimits = {};
  if (rateLimit) out.rateLimit = Object.freeze({ ...rateLimit });
  if (throttle) out.throttle = Object.freeze({ ...throttle });
  if (singleton) out.singleton = Object.freeze({ ...singleton });
  if (debounce) out.debounce = Object.freeze({ ...debounce });
  if (priority !== undefined) out.priority = priority;
  return out;
}

/** The start rate a claim enforces for a workflow, if it has one. */
export function startRateOf(limits: FlowLimits): StartRate | undefined {
  const { rateLimit, throttle } = limits;
  if (rateLimit) return { limit: rateLimit.limit, periodMs: rateLimit.periodMs, spread: false };
  if (throttle)
    return {
      limit: throttle.limit,
      periodMs: throttle.periodMs,
      spread: true,
      ...(throttle.burst !== undefined ? { burst: throttle.burst } : {}),
    };
  return undefined;
}

/**
 * A run's priority when `run.create` gives none: the workflow's `priority` (its function
 * called with the parsed input), else 0. Throws `INVALID_PRIORITY` when the function throws or
 * returns no integer from -1000000 to 1000000.
 */
export function defaultPriorityOf(
  id: string,
  limits: FlowLimits | undefined,
  input: unknown,
): number {
  const priority = limits?.priority;
  if (priority === undefined) return 0;
  if (typeof priority === "number") return priority;
  let value: unknown;
  try {
    value = priority(input as never);
  } catch (error) {
    throw new RatchetError(
      "INVALID_PRIORITY",
      `[ratchet] priority of workflow "${id}" threw: ${(error as Error)?.message ?? String(error)}`,
      { workflowId: id, field: "priority", cause: error },
    );
  }
  if (!(Number.isSafeInteger(value) && Math.abs(value as number) <= 1_000_000))
    throw new RatchetError(
      "INVALID_PRIORITY",
      `[ratchet] priority of workflow "${id}" must return an integer from -1000000 to 1000000, got ${String(value)}`,
      { workflowId: id, field: "priority" },
    );
  return value as number;
}
