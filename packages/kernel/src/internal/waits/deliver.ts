/**
 * Delivering a signal, in the caller's transaction: to the stage waiting for it — the wait row
 * is deleted (only one delivery or time-out can), the signal stored consumed, the resolution
 * written to the stage and its resume scheduled now — or, when nothing waits, buffered for the
 * stage that will. A run's signals are serialised by the run's row lock, keyed signals by the
 * key's lock (taken before any run's, the order a keyed wait takes them in).
 */
import { decodeValue } from "../../codec.js";
import type { WaitResolution } from "../../dsl/waits.js";
import type { SignalMatch } from "../../ports/persistence/signals.js";
import {
  isTerminalRunStatus,
  type JsonValue,
  type RunRecord,
  type SignalWaitRecord,
} from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, type UnitOfWork } from "../tx/unit-of-work.js";
import { APPROVAL_ESCALATE_COMMAND, escalateCorrelationId, resumeEntry } from "./correlation.js";
import { decodeWaitState, encodeWaitState } from "./state.js";

/** A signal to deliver (its payload already encoded). */
export interface OutgoingSignal {
  id: string;
  /** The run it is for; `null` with a `matchKey`. */
  runId: string | null;
  name: string;
  matchKey: string | null;
  payload: JsonValue;
}

/** What delivery did. */
export type Delivery =
  | { status: "delivered"; runId: string; stageId: string; stageRecordId: string }
  | { status: "buffered" }
  /** A signal with this id was stored before: nothing done again. */
  | { status: "duplicate"; consumedBy: string | null }
  /** The run has ended (or does not exist): nothing stored. */
  | { status: "run-ended"; runId: string; runStatus: string | null };

/** How many stale waits of a key one delivery clears before buffering. */
const MAX_KEY_CANDIDATES = 20;

/** Delivers `signal` in `uow` (see the file's comment). */
export async function deliverSignal(
  uow: UnitOfWork,
  deps: KernelDeps,
  signal: OutgoingSignal,
): Promise<Delivery> {
  const earlier = await uow.tx.getSignal(signal.id);
  if (earlier) return { status: "duplicate", consumedBy: earlier.consumedBy };
  if (signal.runId !== null) {
    const run = await uow.tx.getRun(signal.runId, { forUpdate: true });
    if (!run || isTerminalRunStatus(run.status))
      return { status: "run-ended", runId: signal.runId, runStatus: run?.status ?? null };
    const [wait] = await uow.tx.findSignalWaits({ runId: run.id, name: signal.name }, 1);
    if (wait && (await wake(uow, deps, run, wait, signal))) return delivered(wait);
  } else {
    const match: SignalMatch = { name: signal.name, matchKey: signal.matchKey ?? "" };
    await uow.tx.lockSignalKey(match.name, match.matchKey);
    for (const wait of await uow.tx.findSignalWaits(match, MAX_KEY_CANDIDATES)) {
      const run = await uow.tx.getRun(wait.runId, { forUpdate: true });
      if (run && !isTerminalRunStatus(run.status) && (await wake(uow, deps, run, wait, signal)))
        return delivered(wait);
      // The run ended without its wait being cleared (a store that lost it): clear it now.
      await uow.tx.deleteSignalWait(wait.stageRecordId);
    }
  }
  await uow.tx.appendSignal({ ...signal, sentAt: uow.now });
  return { status: "buffered" };
}

function delivered(wait: SignalWaitRecord): Delivery {
  return {
    status: "delivered",
    runId: wait.runId,
    stageId: wait.stageId,
    stageRecordId: wait.stageRecordId,
  };
}

/** Ends `wait` with `signal`; false when the wait was gone or its stage no longer waits. */
async function wake(
  uow: UnitOfWork,
  deps: KernelDeps,
  run: RunRecord,
  wait: SignalWaitRecord,
  signal: OutgoingSignal,
): Promise<boolean> {
  if (!(await uow.tx.deleteSignalWait(wait.stageRecordId))) return false;
  const record = await uow.tx.getStage(run.id, wait.stageId);
  const state = record?.id === wait.stageRecordId ? decodeWaitState(record.suspendedState) : null;
  if (record?.status !== "SUSPENDED" || !state || state.resolution) return false;
  // A child's end carries its resolution; any other signal is one.
  const resolution: WaitResolution =
    wait.kind === "child"
      ? decodeValue<WaitResolution>(signal.payload)
      : {
          kind: "signal",
          signalId: signal.id,
          payload: decodeValue(signal.payload),
          receivedAt: uow.now,
        };
  const resolved = encodeWaitState({ ...state, resolution });
  const ok = await uow.tx.updateStage(
    record.id,
    { suspendedState: resolved },
    { expected: { status: ["SUSPENDED"] }, now: uow.now },
  );
  if (!ok) return false;
  await uow.tx.appendSignal({ ...signal, sentAt: uow.now });
  await uow.tx.markSignalConsumed(signal.id, record.id, uow.now);
  await uow.schedule(async (scope) => {
    await deps.scheduler.schedule(resumeEntry(run.id, record.id, uow.now), scope);
    await deps.scheduler.cancel(
      APPROVAL_ESCALATE_COMMAND,
      escalateCorrelationId(run.id, record.id),
      scope,
    );
  });
  uow.event(run, "workflow.signal.received", {
    stageId: record.stageId,
    name: signal.name,
    signalId: signal.id,
  });
  await commitRun(uow, run, {});
  return true;
}
