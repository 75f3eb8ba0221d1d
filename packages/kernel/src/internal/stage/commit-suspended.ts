import type { JsonObject, JsonValue } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { inTransaction } from "../tx/unit-of-work.js";
import { type AttemptTarget, type CommitOutcome, lockRunFor, progressOf } from "./outcome.js";
import { commitSuspension, markSuspended } from "./suspension.js";

/** Commits a suspended async-batch stage; `stage.pollSuspended` checks it from `nextPollAt`. */
export async function commitSuspended(
  deps: KernelDeps,
  target: AttemptTarget,
  state: JsonValue,
  pollConfig: JsonObject,
  nextPollAt: Date,
): Promise<CommitOutcome> {
  return inTransaction(deps, async (uow) => {
    const locked = await lockRunFor(deps, uow, target);
    if ("outcome" in locked) return locked.outcome;
    const { run } = locked;
    const progress = progressOf(target);
    const fields = { suspendedState: state, pollConfig, nextPollAt };
    const marked = await markSuspended(
      deps,
      uow,
      run,
      target,
      progress ? { ...fields, progress } : fields,
    );
    if (!marked) return { kind: "duplicate" };
    uow.event(run, "workflow.step.suspended", {
      stageId: target.record.stageId,
      attempt: target.attempt,
      nextPollAt: nextPollAt.toISOString(),
    });
    if (target.workflow.getStage(target.record.stageId)?.stage.stepType === "poll") {
      uow.event(run, "workflow.step.poll", {
        stageId: target.record.stageId,
        check: 1,
        done: false,
        nextCheckAt: nextPollAt.toISOString(),
      });
    }
    return commitSuspension(deps, uow, run, target);
  });
}
