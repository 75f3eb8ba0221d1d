/**
 * Suspends a waiting step's stage (signal, approval, child) in one transaction: the stage goes
 * `SUSPENDED` with its {@link WaitState}; a signal already buffered for it is consumed there and
 * then (the stage resumes right after), otherwise a wait row is written for delivery to find and
 * the time-out is scheduled; a child run — or a map's children — is created with the parent's
 * suspension.
 */
import { decodeValue } from "../../codec.js";
import type {
  ChildWaitRequest,
  MapWaitRequest,
  SignalWaitRequest,
  WaitRequest,
} from "../../dsl/waits.js";
import { toStoredError } from "../../errors.js";
import type { StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { type AttemptTarget, type CommitOutcome, lockRunFor, settleJob } from "../stage/outcome.js";
import { commitSuspension, markSuspended } from "../stage/suspension.js";
import { inTransaction, type UnitOfWork } from "../tx/unit-of-work.js";
import { insertChild, type PreparedChild, prepareChild } from "./child-run.js";
import {
  APPROVAL_ESCALATE_COMMAND,
  childSignalName,
  escalateCorrelationId,
  resumeEntry,
} from "./correlation.js";
import { insertMapChildren, prepareMapChildren, startProgress } from "./map-children.js";
import { encodeWaitState, type WaitState } from "./state.js";

/** What became of the suspension: committed (and whether it may resume at once), or not. */
export type SettledWait =
  | { outcome: CommitOutcome; resumeNow: boolean; timeoutAt: Date | null }
  | { error: StoredError };

/** Suspends `target`'s stage on `request` (see the file's comment). */
export async function settleWait(
  deps: KernelDeps,
  target: AttemptTarget,
  request: WaitRequest,
  input: unknown,
): Promise<SettledWait> {
  let children: PreparedChild[] = [];
  try {
    if (request.kind === "child") children = [prepareChild(deps, target.run, request)];
    if (request.kind === "map")
      children = prepareMapChildren(deps, target.run, target.record.id, request);
  } catch (error) {
    return { error: toStoredError(error, target.record.stageId) };
  }
  const now = deps.clock.now();
  const signal = request.kind === "signal" || request.kind === "approval" ? request : undefined;
  const timeoutAt =
    signal && signal.timeoutMs !== null ? new Date(now.getTime() + signal.timeoutMs) : null;
  try {
    encodeWaitState({ input, wait: { kind: "signal", name: "", matchKey: null, timeoutAt } });
  } catch (error) {
    return { error: toStoredError(error, target.record.stageId) };
  }
  let resumeNow = false;
  const outcome = await inTransaction(deps, async (uow): Promise<CommitOutcome> => {
    // A keyed wait takes the key's lock before the run's, in the order delivery takes them.
    if (signal?.matchKey) await uow.tx.lockSignalKey(signal.name, signal.matchKey);
    const locked = await lockRunFor(deps, uow, target);
    if ("outcome" in locked) return locked.outcome;
    const { run } = locked;
    const { record } = target;
    // A duplicate delivery (one with an old snapshot reaches here) must not take a buffered
    // signal: its compare-and-set below would fail, but the signal would stay consumed.
    if (signal && !(await stillStartable(uow, target))) {
      await settleJob(deps, uow, target, "complete");
      return { kind: "duplicate" };
    }
    const state: WaitState = signal
      ? await signalState(uow, target, signal, input, timeoutAt)
      : request.kind === "child"
        ? childState(request, children[0] as PreparedChild, input)
        : mapState(request as MapWaitRequest, input);
    const marked = await markSuspended(deps, uow, run, target, {
      suspendedState: encodeWaitState(state),
      pollConfig: {
        wait: state.wait.kind,
        ...(timeoutAt ? { timeoutAt: timeoutAt.toISOString() } : {}),
      },
      nextPollAt: null,
    });
    if (!marked) return { kind: "duplicate" };
    resumeNow = state.resolution !== undefined;
    if (!resumeNow && state.wait.kind !== "map") {
      await uow.tx.putSignalWait({
        stageRecordId: record.id,
        runId: run.id,
        stageId: record.stageId,
        name: state.wait.name,
        matchKey: state.wait.matchKey,
        kind: state.wait.kind,
        createdAt: uow.now,
        expiresAt: timeoutAt,
      });
    }
    const resumeAt = resumeNow ? uow.now : timeoutAt;
    if (resumeAt) {
      await uow.schedule((scope) =>
        deps.scheduler.schedule(resumeEntry(run.id, record.id, resumeAt), scope),
      );
    }
    if (!resumeNow && signal?.kind === "approval" && signal.escalateAfterMs) {
      const at = new Date(uow.now.getTime() + signal.escalateAfterMs);
      await uow.schedule((scope) =>
        deps.scheduler.schedule(
          {
            type: APPROVAL_ESCALATE_COMMAND,
            correlationId: escalateCorrelationId(run.id, record.id),
            payload: { workflowRunId: run.id, stageRecordId: record.id },
            runAt: at,
          },
          scope,
        ),
      );
    }
    uow.event(run, "workflow.step.waiting", {
      stageId: record.stageId,
      attempt: target.attempt,
      kind: state.wait.kind,
      name: state.wait.name,
      ...(state.wait.matchKey ? { key: state.wait.matchKey } : {}),
      ...(state.wait.childRunId ? { childRunId: state.wait.childRunId } : {}),
      ...(state.map ? { items: state.map.total, concurrency: state.map.concurrency } : {}),
      ...(timeoutAt ? { timeoutAt: timeoutAt.toISOString() } : {}),
    });
    if (request.kind === "map" && state.map)
      await insertMapChildren(uow, deps, children, state.map.concurrency);
    else if (children[0]) await insertChild(uow, deps, children[0]);
    return commitSuspension(deps, uow, run, target);
  });
  return { outcome, resumeNow: resumeNow && outcome.kind === "committed", timeoutAt };
}

/** A map's state: nothing to wait for when it has no items. */
function mapState(request: MapWaitRequest, input: unknown): WaitState {
  const wait = { kind: "map" as const, name: "map", matchKey: null, timeoutAt: null };
  const map = startProgress(request);
  return map.total === 0
    ? { input, wait, map, resolution: { kind: "map", results: [] } }
    : { input, wait, map };
}

/** Whether the stage record is still in a status the attempt starts from (run locked). */
async function stillStartable(uow: UnitOfWork, target: AttemptTarget): Promise<boolean> {
  const { record } = target;
  const current = await uow.tx.getStage(record.runId, record.stageId);
  return current?.id === record.id && target.fromStatuses.includes(current.status);
}

async function signalState(
  uow: UnitOfWork,
  target: AttemptTarget,
  request: SignalWaitRequest,
  input: unknown,
  timeoutAt: Date | null,
): Promise<WaitState> {
  const { record } = target;
  const wait = { kind: request.kind, name: request.name, matchKey: request.matchKey, timeoutAt };
  const match = request.matchKey
    ? { name: request.name, matchKey: request.matchKey }
    : { runId: record.runId, name: request.name };
  const taken = await uow.tx.takeBufferedSignal(match, record.id, uow.now);
  if (!taken) return { input, wait };
  return {
    input,
    wait,
    resolution: {
      kind: "signal",
      signalId: taken.id,
      payload: decodeValue(taken.payload),
      receivedAt: uow.now,
    },
  };
}

function childState(request: ChildWaitRequest, child: PreparedChild, input: unknown): WaitState {
  const wait = {
    kind: "child" as const,
    name: childSignalName(child.run.id),
    matchKey: null,
    timeoutAt: null,
    childRunId: child.run.id,
  };
  if (!request.detached) return { input, wait };
  return {
    input,
    wait,
    resolution: { kind: "child", childRunId: child.run.id, status: "STARTED" },
  };
}
