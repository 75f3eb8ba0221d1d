/**
 * The run's control-flow state (`RunRecord.control`): which group the current group was
 * entered from (its input is that group's output), the route a closed group chose when the
 * kernel could not start the target at once, and loop counters. A run that only goes group by
 * group keeps `{}` and never writes it.
 */
import type { JsonObject } from "../../records.js";

/** One loop's counter. */
export interface LoopCounter {
  /** Iterations started so far. */
  n: number;
  /** When the first iteration started (ISO). */
  since: string;
}

/** The decoded control state. */
export interface FlowControl {
  /** The group whose output the current group receives, when not the group before it. */
  from?: number;
  /** The route chosen by group `at`, to apply once it is finished (`to` may be `END`). */
  route?: { at: number; to: number; delayMs?: number };
  /** Counters of loops in progress, by loop stage id. */
  loops?: Record<string, LoopCounter>;
}

/** The control state of a run (tolerating anything malformed as "nothing"). */
export function readControl(control: JsonObject | undefined): FlowControl {
  if (!control) return {};
  const out: FlowControl = {};
  if (typeof control.from === "number") out.from = control.from;
  const r = control.route as JsonObject | undefined;
  if (r && typeof r.at === "number" && typeof r.to === "number") {
    out.route = { at: r.at, to: r.to };
    if (typeof r.delayMs === "number") out.route.delayMs = r.delayMs;
  }
  const loops = control.loops as JsonObject | undefined;
  if (loops && typeof loops === "object") {
    out.loops = {};
    for (const [id, value] of Object.entries(loops)) {
      const c = value as JsonObject;
      if (typeof c?.n === "number" && typeof c.since === "string")
        out.loops[id] = { n: c.n, since: c.since };
    }
  }
  return out;
}

/** The stored form of a control state. */
export function writeControl(control: FlowControl): JsonObject {
  const out: JsonObject = {};
  if (control.from !== undefined) out.from = control.from;
  if (control.route) {
    const r: JsonObject = { at: control.route.at, to: control.route.to };
    if (control.route.delayMs !== undefined) r.delayMs = control.route.delayMs;
    out.route = r;
  }
  if (control.loops && Object.keys(control.loops).length > 0) {
    const loops: JsonObject = {};
    for (const [id, c] of Object.entries(control.loops)) loops[id] = { n: c.n, since: c.since };
    out.loops = loops;
  }
  return out;
}

/** Whether a stored control state is empty (`{}`), so nothing needs writing. */
export function isEmptyControl(control: JsonObject | undefined): boolean {
  if (!control) return true;
  for (const _ in control) return false;
  return true;
}

/** The group whose output `groupIndex` receives as input (-1: the workflow input). */
export function inputGroupOf(control: JsonObject | undefined, groupIndex: number): number {
  const from = control?.from;
  return typeof from === "number" ? from : groupIndex - 1;
}

/**
 * The control state once the run enters group `to` from group `from`: `from` kept only for a
 * jump, the applied route dropped, loop counters as given.
 */
export function enteringControl(control: FlowControl, from: number, to: number): FlowControl {
  const next: FlowControl = {};
  if (to !== from + 1) next.from = from;
  if (control.loops) next.loops = control.loops;
  return next;
}
