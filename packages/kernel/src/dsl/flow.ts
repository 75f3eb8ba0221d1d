/**
 * Control flow in the stage graph. A run moves from group to group; where it goes when a group
 * closes is the group's `next` (the following group by default, or an `end`), unless the
 * group's stage — a control-flow step such as a choice or a loop, always alone in its group —
 * returns a {@link Route}. Everything is persisted with the stage's commit, so a restart
 * resumes exactly where the run was.
 */

/** `next` of a group that ends the run: its output becomes the run's output. */
export const END = -1;

/** Where a route goes: a stage id (the run continues at that stage's group) or the end. */
export type RouteTarget = string | { end: true };

/** A loop-back a loop step asks for: the kernel counts it and enforces the limits. */
export interface LoopLimits {
  /** Iterations allowed (default 100). Past it the run fails with `LOOP_LIMIT_REACHED`. */
  maxIterations?: number;
  /** From the first iteration; past it the run fails with `LOOP_TIMEOUT`. */
  timeoutMs?: number;
  /** Wait before each new iteration (a scheduled start, never a sleep). */
  intervalMs?: number;
}

/** What a control-flow stage returns: its output, and where the run goes next. */
export interface Route {
  readonly [ROUTE]: true;
  readonly output: unknown;
  /** Default: the group's own `next`. */
  readonly to?: RouteTarget;
  /** Start the target group this much later (ms). */
  readonly delayMs?: number;
  /** Present on a loop step: `again` jumps back (counted), otherwise the loop's counter ends. */
  readonly loop?: { again: boolean } & LoopLimits;
}

const ROUTE: unique symbol = Symbol.for("ratchet.route");

/** Builds a {@link Route}; only stages the workflow declares as routing may return one. */
export function route(output: unknown, options: Omit<Route, typeof ROUTE | "output"> = {}): Route {
  return { [ROUTE]: true, output, ...options };
}

/** Whether a stage's result is a {@link Route}. */
export function isRoute(value: unknown): value is Route {
  return typeof value === "object" && value !== null && (value as Route)[ROUTE] === true;
}

/** Whether a route target ends the run. */
export function isEndTarget(target: RouteTarget): target is { end: true } {
  return typeof target === "object" && target !== null && target.end === true;
}

/** What a sleep step returns: wait this long, or until this time, then hand the input on. */
export interface Sleep {
  readonly [SLEEP]: true;
  readonly delayMs?: number;
  readonly until?: Date;
}

const SLEEP: unique symbol = Symbol.for("ratchet.sleep");

/** Builds a {@link Sleep}; only sleep steps may return one. */
export function sleepFor(wait: { delayMs: number } | { until: Date }): Sleep {
  return { [SLEEP]: true, ...wait };
}

/** Whether a stage's result is a {@link Sleep}. */
export function isSleep(value: unknown): value is Sleep {
  return typeof value === "object" && value !== null && (value as Sleep)[SLEEP] === true;
}
