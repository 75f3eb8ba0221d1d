/**
 * Isolation in the step-function builder: a task's own `isolation` option, and the workflow's
 * `.isolated()` default, applied at `build()` to the tasks (and multi-step parallel branches)
 * that set none. A task with `isolation: false` stays in the worker whatever the default.
 */
import { type IsolationOption, resolveIsolation, type StageIsolation } from "./isolation.js";
import type { AnyStage } from "./stage.js";

/** Stages whose task said `isolation: false`: the workflow's default does not apply to them. */
const optedOut = new WeakSet<AnyStage>();

/** A task's `isolation` option as `defineStage` takes it (`false` and `undefined`: none). */
export function taskIsolation(option: IsolationOption | false | undefined): {
  isolation?: IsolationOption;
} {
  return option === undefined || option === false ? {} : { isolation: option };
}

/** Records that a task's stage opted out of the workflow's isolation default. */
export function optOut(stage: AnyStage, option: IsolationOption | false | undefined): AnyStage {
  if (option === false) optedOut.add(stage);
  return stage;
}

/**
 * The stage with the workflow's default isolation when it sets none of its own (and did not
 * opt out); other stages unchanged.
 */
export function withDefaultIsolation(
  stage: AnyStage,
  isolation: StageIsolation | undefined,
): AnyStage {
  if (isolation === undefined || stage.isolation !== undefined || optedOut.has(stage)) return stage;
  return Object.freeze({ ...stage, isolation });
}

/**
 * Checks the argument of `.isolated(…)`: `true`/no argument (a child process), `false` (none),
 * or an isolation option. Throws `INVALID_ISOLATION` naming the workflow.
 */
export function workflowIsolation(
  name: string,
  option: IsolationOption | boolean,
): StageIsolation | undefined {
  if (option === false) return undefined;
  return resolveIsolation(option, `workflow "${name}" .isolated()`);
}
