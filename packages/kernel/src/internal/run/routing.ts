/**
 * Where a run goes when a group closes: the group's own `next`, or the route its control-flow
 * step returned (a choice's branch, a loop's jump back, counted against the loop's limits).
 */
import { END, isEndTarget, type Route } from "../../dsl/flow.js";
import type { AnyWorkflow } from "../../dsl/workflow.js";
import type { JsonObject, RunRecord, StoredError } from "../../records.js";
import { enteringControl, type FlowControl, readControl } from "./flow-control.js";

/** Default `maxIterations` of a loop. */
export const DEFAULT_MAX_ITERATIONS = 100;

/** The run's next step after a group. */
export interface NextStep {
  /** The group to start, or `END`. */
  to: number;
  /** Start the group this much later. */
  delayMs: number;
  /** The control state once the run is at `to` (loop counters included). */
  entering: FlowControl;
  /** The control state with the decision itself, for when `to` cannot be started at once. */
  decided: FlowControl;
  /** Events the decision adds (`workflow.step.loop`). */
  events: { type: string; payload: JsonObject }[];
}

/**
 * The next step after group `groupIndex` of `run`, given the route its step returned (if it
 * is one), or the route already decided and kept in the run's control state. Fails with
 * `LOOP_LIMIT_REACHED` / `LOOP_TIMEOUT` when a loop may not go round again.
 */
export function nextStep(
  workflow: AnyWorkflow,
  run: Pick<RunRecord, "control">,
  groupIndex: number,
  stageId: string | undefined,
  route: Route | undefined,
  now: Date,
): NextStep | { error: StoredError } {
  const control = readControl(run.control);
  let to = workflow.flow[groupIndex] ?? END;
  let delayMs = 0;
  const events: NextStep["events"] = [];
  const loops = { ...control.loops };
  if (route) {
    if (route.to !== undefined) {
      to = isEndTarget(route.to) ? END : (workflow.getStage(route.to)?.groupIndex ?? END);
    }
    if (route.delayMs !== undefined) delayMs = route.delayMs;
    if (route.loop && stageId !== undefined) {
      const counter = loops[stageId];
      if (!route.loop.again) {
        delete loops[stageId];
      } else {
        const max = route.loop.maxIterations ?? DEFAULT_MAX_ITERATIONS;
        const n = counter?.n ?? 0;
        const since = counter?.since ?? now.toISOString();
        if (n >= max) {
          return {
            error: {
              code: "LOOP_LIMIT_REACHED",
              message: `[ratchet] loop "${stageId}" would start iteration ${n + 1}, past its maxIterations (${max})`,
              stageId,
            },
          };
        }
        const timeoutMs = route.loop.timeoutMs;
        if (timeoutMs !== undefined && now.getTime() - Date.parse(since) >= timeoutMs) {
          return {
            error: {
              code: "LOOP_TIMEOUT",
              message: `[ratchet] loop "${stageId}" is still going after its timeout (${timeoutMs} ms)`,
              stageId,
            },
          };
        }
        loops[stageId] = { n: n + 1, since };
        delayMs = route.loop.intervalMs ?? delayMs;
        const target = route.to !== undefined && !isEndTarget(route.to) ? route.to : String(to);
        events.push({
          type: "workflow.step.loop",
          payload: { stageId, iteration: n + 1, target, delayMs },
        });
      }
    }
  } else if (control.route?.at === groupIndex) {
    to = control.route.to;
    delayMs = control.route.delayMs ?? 0;
  }
  const withLoops: FlowControl = { ...control };
  delete withLoops.route;
  if (Object.keys(loops).length > 0) withLoops.loops = loops;
  else delete withLoops.loops;
  const decided: FlowControl = { ...withLoops, route: { at: groupIndex, to } };
  if (delayMs > 0 && decided.route) decided.route.delayMs = delayMs;
  return {
    to,
    delayMs,
    entering: to === END ? withLoops : enteringControl(withLoops, groupIndex, to),
    decided,
    events,
  };
}
