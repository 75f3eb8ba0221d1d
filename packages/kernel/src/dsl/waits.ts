/**
 * Waiting for something outside the run: a signal, a person's decision, a child run. A waiting
 * step's `execute` returns a {@link WaitRequest}; the kernel suspends the stage and records a
 * wait that delivery finds (no process waits, nothing polls). Whatever ends the wait — the
 * signal, its time-out, the child's end — is a {@link WaitResolution}, stored with the stage
 * before it resumes, and the step's `waitOutput` turns it into the step's output or error.
 */
import type { StoredError } from "../records.js";

/** Wait for a signal (or an approval, which is a signal with a decision as its payload). */
export interface SignalWaitRequest {
  kind: "signal" | "approval";
  /** The signal's name. */
  name: string;
  /** Wait by key (a keyed signal, sent without the run id); `null`: by run. */
  matchKey: string | null;
  /** How long until the wait times out (ms, from when the stage suspends); `null`: never. */
  timeoutMs: number | null;
  /** Approvals: publish `workflow.approval.escalated` if still undecided this long after (ms). */
  escalateAfterMs?: number | null;
}

/** Start a child run (and, unless detached, wait for its end). */
export interface ChildWaitRequest {
  kind: "child";
  workflowId: string;
  input: unknown;
  /** Started and not awaited: the step completes with the child's run id at once. */
  detached: boolean;
  /** The child's priority (default: the parent's). */
  priority?: number;
}

/** Start one child run per item, `concurrency` at a time, and wait for them (dynamic fan-out). */
export interface MapWaitRequest {
  kind: "map";
  workflowId: string;
  /** Each item is one child run's input. */
  items: readonly unknown[];
  /** Most children running at once. */
  concurrency: number;
  /** `fail-fast`: the first failure fails the step and cancels the rest; `wait-all`: settle all. */
  onError: "fail-fast" | "wait-all";
}

/** What a waiting step asks for. */
export type WaitRequest = SignalWaitRequest | ChildWaitRequest | MapWaitRequest;

/** What a waiting step's `execute` returns: the request, and the input it hands on. */
export interface Wait {
  readonly [WAIT]: true;
  readonly request: WaitRequest;
}

const WAIT: unique symbol = Symbol.for("ratchet.wait");

/** Builds a {@link Wait}; only waiting steps (signal, approval, child) may return one. */
export function waitFor(request: WaitRequest): Wait {
  return { [WAIT]: true, request };
}

/** Whether a stage's result is a {@link Wait}. */
export function isWait(value: unknown): value is Wait {
  return typeof value === "object" && value !== null && (value as Wait)[WAIT] === true;
}

/** What ended a wait. */
export type WaitResolution =
  | {
      kind: "signal";
      signalId: string;
      /** The signal's payload, decoded. */
      payload: unknown;
      receivedAt: Date;
    }
  | { kind: "timeout"; at: Date }
  | {
      kind: "child";
      childRunId: string;
      /** The child's final status (`COMPLETED` … or `STARTED` for a detached child). */
      status: string;
      output?: unknown;
      error?: StoredError;
    }
  | {
      kind: "map";
      /** Every item's end, in input order (absent when a failure ended a fail-fast map). */
      results?: MapItemResult[];
      /** The failure that ended a fail-fast map. */
      failed?: MapItemResult;
    };

/** How one item of a map ended. */
export interface MapItemResult {
  index: number;
  childRunId: string;
  /** The child's final status. */
  status: string;
  output?: unknown;
  error?: StoredError;
}

/** The step's output, or the error it fails with (`retryable`: by its retry policy). */
export type WaitOutcome = { output: unknown } | { error: StoredError; retryable: boolean };

/** The outcome of a waiting step ended by something it cannot be (`WAIT_RESOLUTION_INVALID`). */
export function unexpectedResolution(stepId: string, kind: string): WaitOutcome {
  return {
    error: {
      code: "WAIT_RESOLUTION_INVALID",
      message: `[ratchet] step "${stepId}" cannot be ended by a ${kind}`,
      stageId: stepId,
    },
    retryable: false,
  };
}
