/**
 * What an outbox event or a stage record says about a run's progress, as a step the tracker
 * applies: a run status, a stage phase at an attempt, or a progress message.
 */
import {
  decodeValue,
  type JsonObject,
  type RunStatus,
  type StageRecord,
  stageWaitOf,
  type WorkflowEvent,
} from "@ratchet/kernel";
import type { ShownError, StagePhase } from "./view.js";

/** Times and texts that come with a stage step. */
export interface StageDetails {
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  message?: string | undefined;
  error?: ShownError | undefined;
}

/** Times that come with a run step. */
export interface RunDetails {
  createdAt?: number | undefined;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
}

/** One step of progress. */
export type ProgressStep =
  | {
      kind: "run";
      status: RunStatus;
      details: RunDetails;
      workflowId?: string;
      output?: unknown;
      error?: ShownError | undefined;
    }
  | { kind: "stage"; stageId: string; phase: StagePhase; attempt: number; details: StageDetails }
  | { kind: "message"; stageId: string; message: string };

/** Why a suspended async-batch or poll stage waits (shown next to it). */
export const SUSPENDED_MESSAGE = "waiting for its async batch";

/** What a sleeping stage shows next to it: `sleeping until <ISO time>`. */
export function sleepingMessage(until: string): string {
  return `sleeping until ${until}`;
}

/**
 * Why a `SUSPENDED` stage record waits: a sleep (until when), a signal, an approval, a child
 * run or a map's items — else its async batch (or poll).
 */
export function suspendedMessage(
  record: Pick<StageRecord, "status" | "suspendedState" | "pollConfig">,
): string {
  const until = record.pollConfig?.sleepUntil;
  if (typeof until === "string") return sleepingMessage(until);
  const wait = stageWaitOf(record);
  switch (wait?.kind) {
    case "signal":
      return `waiting for signal ${wait.name}`;
    case "approval":
      return "waiting for an approval";
    case "child":
      return "waiting for its child run";
    case "map":
      return "waiting for its map's items";
    default:
      return SUSPENDED_MESSAGE;
  }
}

/** A stored or published error, as shown. */
export function errorOf(value: unknown): ShownError | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message, stageId } = value as Record<string, unknown>;
  if (typeof code !== "string") return undefined;
  return {
    code,
    message: typeof message === "string" ? message : "",
    ...(typeof stageId === "string" ? { stageId } : {}),
  };
}

function time(value: unknown, fallback: number): number {
  const parsed = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? fallback : parsed;
}

function runStep(event: WorkflowEvent, at: number): ProgressStep | undefined {
  const p = event.payload;
  switch (event.type) {
    case "workflow.created":
      return {
        kind: "run",
        status: "PENDING",
        details: { createdAt: at },
        ...(typeof p.workflowId === "string" ? { workflowId: p.workflowId } : {}),
      };
    case "workflow.started":
      return { kind: "run", status: "RUNNING", details: { startedAt: at } };
    case "workflow.completed":
      return {
        kind: "run",
        status: "COMPLETED",
        details: { endedAt: at },
        output: decodeValue(p.output ?? null),
      };
    case "workflow.failed":
      return {
        kind: "run",
        status:
          p.status === "TIMED_OUT" ||
          p.status === "COMPENSATED" ||
          p.status === "COMPENSATION_FAILED"
            ? p.status
            : "FAILED",
        details: { endedAt: at },
        error: errorOf(p.error),
      };
    case "workflow.cancelled":
      return {
        kind: "run",
        status:
          p.status === "COMPENSATED" || p.status === "COMPENSATION_FAILED" ? p.status : "CANCELLED",
        details: { endedAt: at },
      };
    default:
      return undefined;
  }
}

function stageStep(event: WorkflowEvent, at: number, stageId: string): ProgressStep | undefined {
  const p = event.payload;
  const attempt = typeof p.attempt === "number" ? p.attempt : 1;
  const step = (phase: StagePhase, details: StageDetails): ProgressStep => ({
    kind: "stage",
    stageId,
    phase,
    attempt,
    details,
  });
  switch (event.type) {
    case "workflow.step.started":
      return step("running", { startedAt: time(p.startedAt, at) });
    case "workflow.progress":
      return typeof p.message === "string"
        ? { kind: "message", stageId, message: p.message }
        : undefined;
    case "workflow.step.suspended":
      return step("suspended", { message: SUSPENDED_MESSAGE, startedAt: at });
    case "workflow.step.sleeping":
      return typeof p.until === "string"
        ? step("suspended", { message: sleepingMessage(p.until), startedAt: at })
        : undefined;
    case "workflow.step.retry":
      return step("retrying", { error: errorOf(p.error), startedAt: at });
    case "workflow.step.completed": {
      const duration = typeof p.durationMs === "number" ? p.durationMs : 0;
      return step("completed", { startedAt: at - duration, endedAt: at });
    }
    case "workflow.step.failed":
      return step("failed", { startedAt: at, endedAt: at, error: errorOf(p.error) });
    default:
      return undefined;
  }
}

/** The step an outbox event describes, if any. */
export function stepOfEvent(event: WorkflowEvent): ProgressStep | undefined {
  const at = event.occurredAt.getTime();
  const stageId = event.payload.stageId;
  return typeof stageId === "string" ? stageStep(event, at, stageId) : runStep(event, at);
}

/**
 * The step a stage record shows. A record's `attempt` counts attempts whose result was
 * committed: a stage marked `RUNNING` by its first progress report is in the next one, and a
 * `PENDING` stage with an error is waiting to retry.
 */
export function stepOfRecord(record: StageRecord): ProgressStep {
  const progress = record.progress as JsonObject | null;
  const details: StageDetails = {
    startedAt: record.startedAt?.getTime(),
    endedAt: record.completedAt?.getTime(),
    error: errorOf(record.error),
    message: typeof progress?.message === "string" ? progress.message : undefined,
  };
  const step = (
    phase: StagePhase,
    attempt = record.attempt,
    message = details.message,
  ): ProgressStep => ({
    kind: "stage",
    stageId: record.stageId,
    phase,
    attempt,
    details: { ...details, message },
  });
  switch (record.status) {
    case "PENDING":
      return step(record.error && record.attempt > 0 ? "retrying" : "pending");
    case "RUNNING":
      return step("running", record.attempt + 1);
    case "SUSPENDED":
      return step("suspended", record.attempt, suspendedMessage(record));
    case "COMPLETED":
      return step("completed");
    case "FAILED":
      return step("failed");
    case "CANCELLED":
      return step("cancelled");
    case "SKIPPED":
      return step("skipped");
  }
}
