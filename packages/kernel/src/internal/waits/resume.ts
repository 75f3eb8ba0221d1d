/**
 * Resuming a waiting stage once its wait has ended: a resolution already stored (a signal, a
 * child's end) is turned into the step's output or error by the step's `waitOutput` and
 * committed; a wait whose time-out has come is first resolved as timed out — under the run's
 * lock and only if its wait row is still there, so a time-out and a delivery never both win.
 */
import { RatchetError } from "../../errors.js";
import type { RunRecord, StageRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { definitionOf } from "../run/definition.js";
import { commitFailed } from "../stage/commit-failed.js";
import { resumeSuspended, suspendedTarget } from "../stage/resume-suspended.js";
import { inTransaction } from "../tx/unit-of-work.js";
import { retryChild } from "./child-retry.js";
import { mapResults } from "./map-children.js";
import { decodeWaitState, encodeWaitState, type WaitState } from "./state.js";

/** What resuming did. */
export type ResumeResult = "resumed" | "failed" | "retried" | "nothing";

/** Resumes the waiting stage `stageRecordId` of `runId` (see the file's comment). */
export async function resumeWaitingStage(
  deps: KernelDeps,
  runId: string,
  stageRecordId: string,
): Promise<ResumeResult> {
  const run = await deps.persistence.getRun(runId);
  if (run?.status !== "RUNNING") return "nothing";
  // Throws DEFINITION_UNAVAILABLE: the entry is handed out again, to a worker that has it.
  const workflow = definitionOf(deps, run);
  let records = await deps.persistence.listStages(runId);
  let record = records.find((r) => r.id === stageRecordId);
  if (record?.status !== "SUSPENDED" || record.groupIndex !== run.currentGroup) return "nothing";
  let state = decodeWaitState(record.suspendedState);
  if (!state) return "nothing";
  if (!state.resolution) {
    const timedOut = await timeOut(deps, run, record, state);
    if (timedOut === "not-yet") {
      throw new RatchetError(
        "WAIT_NOT_DUE",
        `[ratchet] stage "${record.stageId}" of run ${runId} has nothing to resume with yet`,
        { workflowRunId: runId, stageId: record.stageId },
      );
    }
    if (timedOut === "gone") return "nothing";
    records = await deps.persistence.listStages(runId);
    record = records.find((r) => r.id === stageRecordId);
    state = record ? decodeWaitState(record.suspendedState) : null;
    if (record?.status !== "SUSPENDED" || !state?.resolution) return "nothing";
  }
  const stage = workflow.getStage(record.stageId)?.stage;
  if (!stage?.waitOutput || !state.resolution) return "nothing";
  const now = deps.clock.now();
  const target = suspendedTarget(workflow, run, record, now);
  let resolution = state.resolution;
  if (resolution.kind === "map" && !resolution.failed && state.map)
    resolution = { kind: "map", results: await mapResults(deps, record.id, state.map.total) };
  const outcome = stage.waitOutput(resolution);
  if ("error" in outcome) {
    const retry = outcome.retryable
      ? await retryChild(deps, workflow, run, record, state, outcome.error)
      : "no-retry";
    if (retry === "retried") return "retried";
    // Another resumer retried it (or the run ended): this resolution is no longer the stage's.
    if (retry === "moved-on") return "nothing";
    // After retried children the step fails on its last child's attempt (the retries named
    // theirs 1, 2, …), not on its job's.
    const failing = state.childAttempt ? { ...target, attempt: state.childAttempt } : target;
    const committed = await commitFailed(deps, failing, outcome.error, undefined);
    return committed.kind === "committed" ? "failed" : "nothing";
  }
  const resumed = await resumeSuspended(deps, target, stage, records, outcome.output, now);
  return resumed === "stale" ? "nothing" : resumed;
}

/**
 * Resolves a wait as timed out when its time has come: `not-yet` when it has not (an entry
 * fired early), `gone` when the stage moved on, `resolved` when it now has a resolution (this
 * time-out's, or a delivery's that came first).
 */
async function timeOut(
  deps: KernelDeps,
  run: RunRecord,
  record: StageRecord,
  state: WaitState,
): Promise<"not-yet" | "gone" | "resolved"> {
  const at = state.wait.timeoutAt;
  const now = deps.clock.now();
  if (!at) return "gone";
  if (now.getTime() < at.getTime()) return "not-yet";
  return inTransaction(deps, async (uow) => {
    const locked = await uow.tx.getRun(run.id, { forUpdate: true });
    if (locked?.status !== "RUNNING") return "gone";
    if (!(await uow.tx.deleteSignalWait(record.id))) return "resolved";
    const ok = await uow.tx.updateStage(
      record.id,
      {
        suspendedState: encodeWaitState({ ...state, resolution: { kind: "timeout", at: uow.now } }),
      },
      { expected: { status: ["SUSPENDED"] }, now: uow.now },
    );
    return ok ? "resolved" : "gone";
  });
}
