/**
 * The invariants of waiting, read from the store (and the simulation's own signals):
 * `signal-consumed-twice`, `signal-lost` and `signal-to-ended-run-accepted` after every step,
 * `child-orphaned` and `parent-missed-child` once everything has been driven to its end.
 *
 * Which of two things happened first is told by when the checker first saw each: the store
 * keeps signals in the order they were stored, and the checker, called after every step (no
 * step stores a run's signal and times its wait out both), notes how many signals were stored
 * when it first saw a wait's time-out — a signal stored before that came before the time-out.
 */
import type { AnyWorkflow } from "../../dsl/workflow.js";
import {
  type InMemoryStore,
  type StageRow,
  signalGroupOf,
  signalMatchGroup,
} from "../../in-memory/store.js";
import { decodeWaitState, type WaitState } from "../../internal/waits/state.js";
import { isTerminalRunStatus, type RunRecord } from "../../records.js";
import { SignalLog, type SignalSend } from "./signal-log.js";
import type { InvariantName, InvariantViolation } from "./violations.js";
import { targetGroup } from "./wait-model.js";
import { WAIT_TARGETS } from "./wait-workflows.js";

/** Options of {@link WaitChecker}. */
export interface WaitCheckerOptions {
  store: InMemoryStore;
  /** The workflows by id (to tell which stages wait for signals). */
  workflows: ReadonlyMap<string, AnyWorkflow>;
  /** The signals the simulation sent, checked against what `run.signal` answered. */
  signals?: SignalLog;
}

/** What the checker knows of one signal (or approval) stage record. */
interface TrackedWait {
  /** The signal group it waits in (as the store keys it), once known. */
  group: string | undefined;
  /** Its first outcome seen: `signal:<id>` or `timeout`. */
  first: string | undefined;
  /** How many signals were stored when its time-out was first seen. */
  storedBeforeTimeout: number;
}

const violation = (invariant: InvariantName, detail: string): InvariantViolation => ({
  invariant,
  detail,
});

/** What a send to an ended run may come to besides no answer at all. */
const NO_ANSWER: ReadonlySet<string> = new Set(["RUN_ENDED", "CRASH", "DATABASE_ERROR"]);

/** Signals the kernel delivers a child run's end as (a parent's retried step takes several). */
const isChildEnd = (signalId: string): boolean => signalId.startsWith("child-end:");

/**
 * Checks the wait invariants incrementally: call {@link WaitChecker.check} after every step,
 * {@link WaitChecker.checkEnd} once every run should have ended.
 *
 * @example
 * ```ts
 * const waits = new WaitChecker({ store, workflows, signals });
 * const broken = waits.check(runIds) ?? waits.checkEnd(runIds);
 * ```
 */
export class WaitChecker {
  private readonly tracked = new Map<string, TrackedWait>();
  /** The stage record each signal resolved, by signal id. */
  private readonly resolvedBy = new Map<string, string>();
  /** The row object last looked at, by stage record id (rows are replaced, never mutated). */
  private readonly seen = new Map<string, StageRow>();
  private readonly states = new WeakMap<StageRow, WaitState | null>();
  /** Whether a workflow has a stage that waits for a signal (or an approval), by id. */
  private readonly waits = new Map<string, boolean>();
  private readonly openSends: SignalSend[] = [];
  private sendCursor = 0;

  /** A checker over `options.store`. */
  constructor(private readonly options: WaitCheckerOptions) {}

  /** Checks what must hold after every step; returns the first broken invariant. */
  check(runIds: readonly string[]): InvariantViolation | null {
    return (
      this.checkStages(runIds) ?? this.checkWaiting() ?? this.checkConsumers() ?? this.checkSends()
    );
  }

  /**
   * Checks what must hold once every run should have ended: no parent ended while a child it
   * waited for still runs, no child's end left its parent waiting.
   */
  checkEnd(runIds: readonly string[]): InvariantViolation | null {
    const { store } = this.options;
    for (const runId of runIds) {
      const run = store.runs.get(runId);
      if (!run) continue;
      for (const key of store.stagesByRun.keysOf(runId)) {
        const row = store.stages.get(key);
        const state = row && this.stateOf(row);
        const childId = state?.wait.childRunId;
        if (!row || !childId || state.resolution) continue;
        const child = store.runs.get(childId);
        if (!child) continue;
        if (
          (run.status === "CANCELLED" || run.status === "FAILED" || run.status === "TIMED_OUT") &&
          !isTerminalRunStatus(child.status)
        ) {
          return violation(
            "child-orphaned",
            `run ${runId} ended ${run.status} while its child ${childId} (stage ${row.stageId}) is still ${child.status}`,
          );
        }
        if (
          !isTerminalRunStatus(run.status) &&
          row.status === "SUSPENDED" &&
          isTerminalRunStatus(child.status)
        ) {
          return violation(
            "parent-missed-child",
            `child run ${childId} ended ${child.status}, but its parent ${runId} still waits for it at stage ${row.stageId}`,
          );
        }
      }
    }
    return null;
  }

  // ---- stages resolved by signals and time-outs ---------------------------------------------

  /** Looks at every signal stage record that changed since the last step. */
  private checkStages(runIds: readonly string[]): InvariantViolation | null {
    const { store, workflows } = this.options;
    for (const runId of runIds) {
      const run = store.runs.get(runId);
      if (!run) continue;
      const workflow = workflows.get(run.workflowId);
      let waits = this.waits.get(run.workflowId);
      if (waits === undefined) {
        waits = workflow?.groups.some((g) => g.some((stage) => stage.waitsFor)) ?? false;
        this.waits.set(run.workflowId, waits);
      }
      if (!waits) continue;
      for (const key of store.stagesByRun.keysOf(runId)) {
        const row = store.stages.get(key);
        if (!row || this.seen.get(row.id) === row) continue;
        this.seen.set(row.id, row);
        const waitsFor = workflow?.getStage(row.stageId)?.stage.waitsFor;
        if (!waitsFor) continue;
        const broken = this.checkStage(run, row);
        if (broken) return broken;
      }
    }
    return null;
  }

  private checkStage(run: RunRecord, row: StageRow): InvariantViolation | null {
    const { store } = this.options;
    let tracked = this.tracked.get(row.id);
    if (!tracked) {
      tracked = { group: undefined, first: undefined, storedBeforeTimeout: 0 };
      this.tracked.set(row.id, tracked);
    }
    const state = this.stateOf(row);
    if (state && tracked.group === undefined) {
      const { name, matchKey } = state.wait;
      tracked.group =
        matchKey !== null
          ? signalMatchGroup({ name, matchKey })
          : signalMatchGroup({ runId: run.id, name });
    }
    tracked.group ??= this.knownGroup(run, row.stageId);
    const outcome = outcomeOf(row, state);
    if (outcome === undefined) return null;
    const where = `run ${run.id} stage ${row.stageId} (record ${row.id})`;
    if (tracked.first !== undefined) {
      if (tracked.first === outcome) return null;
      return outcome === "timeout"
        ? violation("signal-lost", `${where} took ${tracked.first}, then timed out`)
        : violation(
            "signal-consumed-twice",
            `${where}: its wait ended with ${tracked.first}, then with ${outcome}`,
          );
    }
    tracked.first = outcome;
    if (outcome === "timeout") {
      tracked.storedBeforeTimeout = store.signals.size;
      return this.checkTimedOut(where, row.id, tracked);
    }
    const signalId = outcome.slice("signal:".length);
    const other = this.resolvedBy.get(signalId);
    if (other !== undefined && other !== row.id) {
      return violation(
        "signal-consumed-twice",
        `signal ${signalId} ended the waits of stage records ${other} and ${row.id} (${where})`,
      );
    }
    this.resolvedBy.set(signalId, row.id);
    const signal = store.signals.get(signalId);
    if (signal?.consumedBy !== row.id) {
      return violation(
        "signal-consumed-twice",
        `${where} took signal ${signalId}, which is ${signal ? (signal.consumedBy === null ? "still buffered: it can be taken again" : `recorded as consumed by ${signal.consumedBy}`) : "not stored"}`,
      );
    }
    return null;
  }

  /** A time-out: no signal may have been taken by it, or stored for it before it, and left. */
  private checkTimedOut(
    where: string,
    recordId: string,
    tracked: TrackedWait,
  ): InvariantViolation | null {
    let position = 0;
    for (const signal of this.options.store.signals.values()) {
      if (signal.consumedBy === recordId)
        return violation("signal-lost", `${where} timed out after taking signal ${signal.id}`);
      const before = position++ < tracked.storedBeforeTimeout;
      if (before && signal.consumedAt === null && signalGroupOf(signal) === tracked.group) {
        return violation(
          "signal-lost",
          `${where} timed out, but signal ${signal.id}, stored for it before the time-out, sits unconsumed`,
        );
      }
    }
    return null;
  }

  /** The group of a wait of the simulator's own workflows (when its state was never seen). */
  private knownGroup(run: RunRecord, stageId: string): string | undefined {
    const target = WAIT_TARGETS[run.workflowId]?.find((t) => t.stageId === stageId);
    return target && targetGroup(run, target);
  }

  private stateOf(row: StageRow): WaitState | null {
    let state = this.states.get(row);
    if (state === undefined) {
      // A cancelled stage keeps the state it waited with (the child checks read it).
      const waiting = row.status === "SUSPENDED" || row.status === "CANCELLED";
      state = waiting ? decodeWaitState(row.suspendedState) : null;
      this.states.set(row, state);
    }
    return state;
  }

  // ---- waits and buffered signals -------------------------------------------------------------

  /** No stage waits while a signal it would take sits buffered. */
  private checkWaiting(): InvariantViolation | null {
    const { store } = this.options;
    if (store.signalWaits.size === 0 || store.signals.size === 0) return null;
    for (const wait of store.signalWaits.values()) {
      const group = signalGroupOf(wait);
      if (group === null) continue;
      const buffered = store.bufferedSignals.keysOf(group);
      if (buffered.size === 0) continue;
      const run = store.runs.get(wait.runId);
      const row = store.stages.get(wait.stageRecordId);
      if (run?.status !== "RUNNING" || row?.status !== "SUSPENDED") continue;
      if (this.stateOf(row)?.resolution) continue;
      return violation(
        "signal-lost",
        `run ${wait.runId} stage ${wait.stageId} waits for ${wait.name}${wait.matchKey ? ` (key ${wait.matchKey})` : ""} while signal ${[...buffered][0]} sits buffered for it`,
      );
    }
    return null;
  }

  /** No stage record is recorded as the consumer of two signals. */
  private checkConsumers(): InvariantViolation | null {
    const { store } = this.options;
    if (store.signals.size < 2) return null;
    const consumers = new Map<string, string>();
    for (const signal of store.signals.values()) {
      if (signal.consumedBy === null || isChildEnd(signal.id)) continue;
      const other = consumers.get(signal.consumedBy);
      if (other !== undefined) {
        return violation(
          "signal-consumed-twice",
          `stage record ${signal.consumedBy} is recorded as the consumer of signals ${other} and ${signal.id}`,
        );
      }
      consumers.set(signal.consumedBy, signal.id);
    }
    return null;
  }

  // ---- what run.signal answered ----------------------------------------------------------------

  /** Each answer `run.signal` gave the simulation agrees with the store. */
  private checkSends(): InvariantViolation | null {
    const log = this.options.signals;
    if (!log) return null;
    for (; this.sendCursor < log.sends.length; this.sendCursor++)
      this.openSends.push(log.sends[this.sendCursor] as SignalSend);
    for (let i = 0; i < this.openSends.length; i++) {
      const send = this.openSends[i] as SignalSend;
      const broken = this.checkSend(send);
      if (broken) return broken;
      if (send.outcome !== undefined) this.openSends.splice(i--, 1);
    }
    return null;
  }

  private checkSend(send: SignalSend): InvariantViolation | null {
    const { store } = this.options;
    const signal = store.signals.get(send.signalId);
    const target = send.runId !== undefined ? `run ${send.runId}` : `key ${send.key}`;
    const described = `signal ${send.signalId} (${send.name}) sent to ${target} at step ${send.step}`;
    const outcome = send.outcome;
    if (send.toEndedRun) {
      // No answer (its process died) is no acceptance; any answer but RUN_ENDED is one.
      const refused = outcome === undefined || ("error" in outcome && NO_ANSWER.has(outcome.error));
      if (signal || !refused) {
        const answer =
          outcome === undefined ? "no answer" : "error" in outcome ? outcome.error : outcome.status;
        return violation(
          "signal-to-ended-run-accepted",
          `${described}, after the run had ended, was ${signal ? "stored" : "not refused"} (${answer})`,
        );
      }
      return null;
    }
    if (!outcome || !SignalLog.accepted(send) || !("status" in outcome)) return null;
    if (!signal)
      return violation("signal-lost", `${described} was ${outcome.status}, but is not stored`);
    if (outcome.status !== "delivered" || !outcome.runId || !outcome.stageId) return null;
    const record = store.stageByName.get(outcome.runId, outcome.stageId);
    if (signal.consumedBy === record) return null;
    return signal.consumedBy === null
      ? violation(
          "signal-lost",
          `${described} was delivered to stage ${outcome.stageId} of run ${outcome.runId}, but sits unconsumed`,
        )
      : violation(
          "signal-consumed-twice",
          `${described} was delivered to stage ${outcome.stageId} of run ${outcome.runId} (record ${record}), but is recorded as consumed by ${signal.consumedBy}`,
        );
  }
}

/** How a signal stage's wait ended, as far as its row tells: `signal:<id>`, `timeout`, or not yet. */
function outcomeOf(row: StageRow, state: WaitState | null): string | undefined {
  const resolution = state?.resolution;
  if (resolution?.kind === "signal") return `signal:${resolution.signalId}`;
  if (resolution?.kind === "timeout") return "timeout";
  if (row.status !== "COMPLETED") return undefined;
  const output = row.output as
    | { received?: unknown; signalId?: unknown; timedOut?: unknown; status?: unknown }
    | null
    | undefined;
  if (output?.received === true && typeof output.signalId === "string")
    return `signal:${output.signalId}`;
  if (output?.timedOut === true || output?.status === "expired") return "timeout";
  return undefined;
}
