/**
 * The simulator's workflows that wait for something outside the run: signals (by run and by
 * key, with and without a time-out, and two waits for one name) and child runs (one that waits
 * for a signal of its own, one that may fail). {@link WAIT_TARGETS} says which signals each
 * waits for, so the simulation knows what to send and the model what to expect.
 */
import { z } from "zod";
import { childStep } from "../../dsl/child-steps.js";
import type { StageRetryPolicy } from "../../dsl/retry-policy.js";
import type { AnyStage } from "../../dsl/stage.js";
import type { AnyWorkflow, WorkflowBuilder } from "../../dsl/workflow.js";

/** A run's input, as the simulator's workflows take it. */
export type SimulatedInput = { n: number } & Record<string, unknown>;

/** The simulator's building blocks, from `simulationWorkflows`. */
export interface WaitWorkflowParts {
  /** A task stage: {@link simulatedStep} of its input, failing as the plan says. */
  task: (id: string) => AnyStage;
  /** A workflow with the simulator's input schema and retry policy. */
  workflow: (id: string, name: string) => WorkflowBuilder<SimulatedInput, SimulatedInput>;
  /** The simulator's retry policy (child steps retry a failed child with it). */
  retry: StageRetryPolicy;
}

/** A signal a simulated workflow waits for. */
export interface SignalTarget {
  /** The waiting step. */
  stageId: string;
  /** The signal's name. */
  name: string;
  /** Sent by key ({@link signalKeyOf}) rather than to the run. */
  keyed: boolean;
  /** The wait's time-out (ms), if it has one. */
  timeoutMs?: number;
}

/** The time-out of a by-run signal wait (ms): short enough to race signals in the fault phase. */
export const SIGNAL_TIMEOUT_MS = 15_000;
/** The time-out of a keyed signal wait (ms). */
export const KEYED_SIGNAL_TIMEOUT_MS = 30_000;

/**
 * Each simulated workflow's signal waits, in the order its run reaches them. Keys are unique
 * per workflow and input, so no two runs wait for one key.
 */
export const WAIT_TARGETS: Readonly<Record<string, readonly SignalTarget[]>> = {
  "sim-signal": [
    { stageId: "first", name: "reply", keyed: false },
    { stageId: "second", name: "reply", keyed: false },
  ],
  "sim-signal-timeout": [
    { stageId: "reply", name: "reply", keyed: false, timeoutMs: SIGNAL_TIMEOUT_MS },
  ],
  "sim-signal-key": [{ stageId: "ship", name: "ship", keyed: true }],
  "sim-signal-key-timeout": [
    { stageId: "ship", name: "ship", keyed: true, timeoutMs: KEYED_SIGNAL_TIMEOUT_MS },
  ],
  "sim-kid": [{ stageId: "release", name: "release", keyed: false }],
};

/** The child steps of the simulated workflows: the workflow each starts, by workflow and step. */
export const CHILD_STEPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "sim-parent": { kid: "sim-kid", risky: "sim-risky" },
};

/** The key a keyed wait of `workflowId` waits for, given its run's input. */
export function signalKeyOf(workflowId: string, input: unknown): string {
  return `${workflowId}:${String((input as { n?: unknown } | null)?.n)}`;
}

/**
 * The payload every simulated signal carries (checked when sent and when consumed): its `n` is
 * what the task after the wait computes from.
 */
export const signalPayload = z.object({ n: z.number(), again: z.boolean().optional() });

/**
 * The waiting workflows (most end with a task `done` computing from what the wait got):
 * `sim-signal` (two waits for `reply`, by run, no time-out),
 * `sim-signal-timeout` (by run, timed out after {@link SIGNAL_TIMEOUT_MS}), `sim-signal-key` and
 * `sim-signal-key-timeout` (by key), and `sim-parent`, whose parallel group starts `sim-kid`
 * (which waits for `release`) and `sim-risky` (whose one task fails half of the time, so the
 * parent's step retries it with a new child, by the simulator's retry policy, and may fail
 * with `CHILD_WORKFLOW_FAILED` — cancelling the waiting `sim-kid`).
 *
 * @example
 * ```ts
 * const workflows = [...mine, ...waitWorkflows({ task, workflow })];
 * ```
 */
export function waitWorkflows({ task, workflow, retry }: WaitWorkflowParts): AnyWorkflow[] {
  const keyOf =
    (workflowId: string) =>
    ({ input }: { input: unknown }): string =>
      signalKeyOf(workflowId, input);
  const kid = workflow("sim-kid", "kid")
    .pipe(task("work"))
    .waitForSignal("release", { schema: signalPayload })
    .build();
  const risky = workflow("sim-risky", "risky").pipe(task("risky")).build();
  return [
    workflow("sim-signal", "signal")
      .pipe(task("ask"))
      .waitForSignal("first", { name: "reply", schema: signalPayload })
      .waitForSignal("second", { name: "reply", schema: signalPayload })
      .pipe(task("done"))
      .build(),
    workflow("sim-signal-timeout", "signal with time-out")
      .pipe(task("ask"))
      .waitForSignal("reply", { schema: signalPayload, timeoutMs: SIGNAL_TIMEOUT_MS })
      .pipe(task("done"))
      .build(),
    workflow("sim-signal-key", "keyed signal")
      .pipe(task("ask"))
      .waitForSignal("ship", { schema: signalPayload, key: keyOf("sim-signal-key") })
      .pipe(task("done"))
      .build(),
    workflow("sim-signal-key-timeout", "keyed signal with time-out")
      .pipe(task("ask"))
      .waitForSignal("ship", {
        schema: signalPayload,
        key: keyOf("sim-signal-key-timeout"),
        timeoutMs: KEYED_SIGNAL_TIMEOUT_MS,
      })
      .build(),
    workflow("sim-parent", "parent")
      .pipe(task("plan"))
      .parallel([childStep("kid", kid, { retry }), childStep("risky", risky, { retry })])
      .pipe(task("done"))
      .build(),
    kid,
    risky,
  ];
}
