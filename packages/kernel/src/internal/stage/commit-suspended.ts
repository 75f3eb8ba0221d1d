import type { JsonObject, JsonValue } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, inTransaction } from "../tx/unit-of-work.js";
import {
  type AttemptTarget,
  type CommitOutcome,
  lockRunFor,
  progressOf,
  settleJob,
  writeReports,
} from "./outcome.js";

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
    const ok = await uow.tx.updateStage(
      target.record.id,
      {
        status: "SUSPENDED",
        attempt: target.attempt,
        suspendedState: state,
        pollConfig,
        nextPollAt,
        pollLeaseUntil: null,
        startedAt: target.record.startedAt ?? target.startedAt,
        ...(progress ? { progress } : {}),
      },
      { expected: { status: target.fromStatuses }, now: uow.now },
    );
    if (!ok) {
      await settleJob(deps, uow, target, "complete");
      return { kind: "duplicate" };
    }
    await writeReports(uow, run, target);
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
    await settleJob(deps, uow, target, "suspend");
    const metadata = target.reports.metadata;
    return {
      kind: "committed",
      run: await commitRun(
        uow,
        run,
        metadata
          ? { metadata: { ...run.metadata, ...metadata }, waiting: true }
          : { waiting: true },
      ),
    };
  });
}
