/**
 * The model of the simulator's waiting workflows (see `wait-workflows.ts`). Their task stages
 * are computed as the others' are; what reached a run from outside is judged:
 *
 * - a signal step's output is the payload of the first signal sent to it (by run, or by key)
 *   that nothing else took — first by send order, which the kernel tells by the time the sender
 *   stored it (so two senders whose clocks differ may be taken in either order) — and it must be
 *   a signal the simulation sent there, with the payload it was first accepted with, stored
 *   consumed; or, for a wait with a time-out, `timedOut` (whether that was right is the wait
 *   invariants' to say: no signal may have been left behind);
 * - a child step's output is what its one completed child run ended with (and, for `sim-risky`,
 *   what that child computes); a parent fails at a child step only with `CHILD_WORKFLOW_FAILED`
 *   once a child of every attempt its retry policy allows has failed, or with
 *   `CHILD_WORKFLOW_CANCELLED` when a child was cancelled.
 */
import { type InMemoryStore, signalGroupOf, signalMatchGroup } from "../../in-memory/store.js";
import type { RunRecord, SignalRecord, StageRecord } from "../../records.js";
import { canonicalJson, sameJson } from "./canonical-json.js";
import { type JudgeContext, type Judged, judged } from "./expectations.js";
import { SignalLog } from "./signal-log.js";
import { CHILD_STEPS, type SignalTarget, signalKeyOf, WAIT_TARGETS } from "./wait-workflows.js";

/** What {@link waitModel} needs. */
export interface WaitModelOptions {
  /** The signals the simulation sent (without it, received signals are judged by the store only). */
  signals?: SignalLog;
  /** What the task stage `stageId` computes from its input. */
  step(stageId: string, input: unknown): unknown;
  /** The attempts of a child step (the workflows' default retry). */
  maxAttempts: number;
}

/** A waiting run's path: each stage's input and output, and the run's output (maybe judged). */
export interface ExpectedWaitRun {
  output: unknown;
  stages: ReadonlyMap<string, { input: unknown; output: unknown }>;
}

/** The model of the waiting workflows. */
export interface WaitModel {
  /** What a run of `workflowId` with `input` must come to (`undefined`: not a waiting workflow). */
  expect(workflowId: string, input: unknown): ExpectedWaitRun | undefined;
  /**
   * Why a run's failure at `stage` is wrong (`null`: it is right), or `undefined` when the stage
   * is not a child step (the fault plan decides).
   */
  explainFailure(
    run: RunRecord,
    stage: StageRecord,
    store: InMemoryStore,
  ): string | null | undefined;
}

/** The stored row of `stageId` in `runId`. */
function stageRow(store: InMemoryStore, runId: string, stageId: string) {
  const key = store.stageByName.get(runId, stageId);
  return key === undefined ? undefined : store.stages.get(key);
}

/** The child runs of `parentRunId` of workflow `workflowId`, oldest first. */
function childRuns(store: InMemoryStore, parentRunId: string, workflowId: string): RunRecord[] {
  const children: RunRecord[] = [];
  for (const run of store.runs.values())
    if (run.parentRunId === parentRunId && run.workflowId === workflowId) children.push(run);
  return children;
}

/** The order the kernel takes buffered signals in: oldest `sentAt`, then id. */
function takenBefore(a: SignalRecord, b: SignalRecord): boolean {
  const byTime = a.sentAt.getTime() - b.sentAt.getTime();
  return byTime < 0 || (byTime === 0 && a.id < b.id);
}

/** The signal group (as the store keys it) a run's wait for `target` belongs to. */
export function targetGroup(run: RunRecord, target: SignalTarget): string {
  return target.keyed
    ? signalMatchGroup({ name: target.name, matchKey: signalKeyOf(run.workflowId, run.input) })
    : signalMatchGroup({ runId: run.id, name: target.name });
}

/**
 * The model of the waiting workflows, judging what came from outside against `options.signals`
 * and the store.
 *
 * @example
 * ```ts
 * const waits = waitModel({ signals, step: (id, input) => simulatedStep(id, counterOf(input)), maxAttempts: 3 });
 * waits.expect("sim-signal", { n: 1 })?.stages.get("ask"); // { input: { n: 1 }, output: … }
 * ```
 */
export function waitModel(options: WaitModelOptions): WaitModel {
  const { signals, step } = options;

  /** The run's committed output of `stageId` (the run's output, when it is its last stage). */
  const mirror = (stageId: string): Judged =>
    judged((actual, { run, store }) => {
      const row = stageRow(store, run.id, stageId);
      if (row?.status !== "COMPLETED")
        return `is ${canonicalJson(actual)}, but its last stage ${stageId} is ${row?.status ?? "missing"}`;
      return sameJson(actual, row.output)
        ? undefined
        : `is ${canonicalJson(actual)}, but its last stage ${stageId} committed ${canonicalJson(row.output)}`;
    });

  /**
   * What task `stageId` computes from the committed outputs of `after` (one stage's output, or
   * a parallel group's by stage id).
   */
  const taskAfter = (stageId: string, after: readonly string[]): Judged =>
    judged((actual, { run, store }) => {
      const outputs: Record<string, unknown> = {};
      for (const id of after) {
        const row = stageRow(store, run.id, id);
        if (row?.status !== "COMPLETED")
          return `completed, but stage ${id} before it is ${row?.status ?? "missing"}`;
        outputs[id] = row.output;
      }
      const want = step(stageId, after.length === 1 ? outputs[after[0] as string] : outputs);
      return sameJson(actual, want)
        ? undefined
        : `completed with ${canonicalJson(actual)}, expected ${canonicalJson(want)} from what came before it`;
    });

  /** Why a `received` output of the wait for `target` is wrong. */
  const wrongSignal = (
    target: SignalTarget,
    out: { signalId?: unknown; payload?: unknown },
    { run, stage, store }: JudgeContext,
  ): string | undefined => {
    const id = out.signalId;
    if (typeof id !== "string") return `received a signal without an id`;
    const payload = canonicalJson(out.payload);
    if (signals) {
      const key = target.keyed ? signalKeyOf(run.workflowId, run.input) : undefined;
      const aimed = signals
        .sendsOf(id)
        .filter(
          (s) => s.name === target.name && (key === undefined ? s.runId === run.id : s.key === key),
        );
      if (aimed.length === 0) return `received signal ${id}, which the simulation never sent to it`;
      if (!aimed.some((s) => sameJson(s.payload, out.payload)))
        return `received signal ${id} with ${payload}, which it was never sent with`;
      const accepted = aimed.find(SignalLog.accepted);
      if (accepted && !sameJson(accepted.payload, out.payload))
        return `received signal ${id} with ${payload}, but it was accepted with ${canonicalJson(accepted.payload)}`;
    }
    const row = store.signals.get(id);
    if (!row) return `received signal ${id}, which is not stored`;
    if (!sameJson(row.payload, out.payload))
      return `received signal ${id} with ${payload}, but it is stored with ${canonicalJson(row.payload)}`;
    // The first by send order: nothing sent there before it is still waiting to be taken
    // (unless its sender's clock put it later: the kernel takes by the time stored).
    const group = targetGroup(run, target);
    for (const other of store.signals.values()) {
      if (other.id === id) break;
      if (signalGroupOf(other) !== group) continue;
      if (other.consumedBy !== null && other.consumedBy !== stage?.id) continue;
      if (takenBefore(other, row))
        return `received signal ${id}, but ${other.id}, sent to it before, is still ${other.consumedBy === null ? "buffered" : "consumed by it too"}`;
    }
    return undefined;
  };

  /** A signal step's output: the first signal, or a time-out if it has one. */
  const signalOutput = (target: SignalTarget): Judged =>
    judged((actual, context) => {
      const out = actual as {
        received?: unknown;
        timedOut?: unknown;
        signalId?: unknown;
        payload?: unknown;
      } | null;
      if (out?.received === true) return wrongSignal(target, out, context);
      if (out?.received === false && out.timedOut === true) {
        return target.timeoutMs === undefined
          ? "timed out, but its wait has no time-out"
          : undefined;
      }
      return `is ${canonicalJson(actual)}: neither a signal nor a time-out`;
    });

  /** A child step's output: its one completed child's (and `expected`, when known). */
  const childOutput = (childWorkflowId: string, expected?: unknown): Judged =>
    judged((actual, { run, store }) => {
      if (expected !== undefined && !sameJson(actual, expected))
        return `is ${canonicalJson(actual)}, expected ${canonicalJson(expected)}`;
      const done = childRuns(store, run.id, childWorkflowId).filter(
        (c) => c.status === "COMPLETED",
      );
      if (done.length !== 1)
        return `completed, but ${done.length} child run(s) of ${childWorkflowId} completed`;
      const child = done[0] as RunRecord;
      return sameJson(actual, child.output)
        ? undefined
        : `is ${canonicalJson(actual)}, but its child ${child.id} completed with ${canonicalJson(child.output)}`;
    });

  const expect = (workflowId: string, input: unknown): ExpectedWaitRun | undefined => {
    if (typeof (input as { n?: unknown } | null)?.n !== "number") return undefined;
    const stages = new Map<string, { input: unknown; output: unknown }>();
    const set = (id: string, from: unknown, output: unknown) => {
      stages.set(id, { input: from, output });
      return output;
    };
    const targets = WAIT_TARGETS[workflowId] ?? [];
    /** A task, then each signal wait of the workflow, then maybe a task computing from it. */
    const waits = (first: string, then?: string) => {
      let prev = set(first, input, step(first, input));
      for (const target of targets) prev = set(target.stageId, prev, signalOutput(target));
      const last = targets[targets.length - 1]?.stageId as string;
      if (then) set(then, prev, taskAfter(then, [last]));
      return mirror(then ?? last);
    };
    switch (workflowId) {
      case "sim-signal":
      case "sim-signal-timeout":
      case "sim-signal-key":
        return { output: waits("ask", "done"), stages };
      case "sim-signal-key-timeout":
        return { output: waits("ask"), stages };
      case "sim-kid":
        return { output: waits("work"), stages };
      case "sim-risky":
        return { output: set("risky", input, step("risky", input)), stages };
      case "sim-parent": {
        const plan = set("plan", input, step("plan", input));
        const kid = set("kid", plan, childOutput("sim-kid"));
        const risky = step("risky", plan);
        set("risky", plan, childOutput("sim-risky", risky));
        set("done", { kid, risky }, taskAfter("done", ["kid", "risky"]));
        return { output: mirror("done"), stages };
      }
      default:
        return undefined;
    }
  };

  const explainFailure = (
    run: RunRecord,
    stage: StageRecord,
    store: InMemoryStore,
  ): string | null | undefined => {
    const childWorkflowId = CHILD_STEPS[run.workflowId]?.[stage.stageId];
    const code = run.error?.code;
    if (childWorkflowId === undefined || code === "MAX_ATTEMPTS_EXCEEDED") return undefined;
    const children = childRuns(store, run.id, childWorkflowId);
    const described = `failed with ${code} at child step ${stage.stageId} (attempt ${stage.attempt})`;
    if (code === "CHILD_WORKFLOW_CANCELLED") {
      return children.some((c) => c.status === "CANCELLED")
        ? null
        : `${described}, but no child run of ${childWorkflowId} was cancelled`;
    }
    if (code === "CHILD_WORKFLOW_FAILED") {
      // Each attempt is a child of its own (the stage waits on, for the next one).
      const failed = children.filter((c) => c.status === "FAILED" || c.status === "TIMED_OUT");
      return failed.length >= options.maxAttempts
        ? null
        : `${described}, but only ${failed.length} child run(s) of ${childWorkflowId} failed: it should have been retried (${options.maxAttempts} attempts) with a new child`;
    }
    return `${described}: a child step fails only when its child run does`;
  };

  return { expect, explainFailure };
}
