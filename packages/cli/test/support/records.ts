/**
 * Builders of the records and events the CLI reads, for unit tests.
 */
import type { JsonObject, RunRecord, StageRecord, WorkflowEvent } from "@ratchet/kernel";

const T0 = Date.parse("2026-01-01T00:00:00Z");

/** A time `ms` after the tests' origin. */
export const at = (ms: number): Date => new Date(T0 + ms);

let sequence = 0;

/** An outbox event of run `runId`, `ms` after the origin. */
export function event(runId: string, type: string, payload: JsonObject, ms = 0): WorkflowEvent {
  sequence++;
  return {
    id: `evt-${sequence}`,
    type,
    workflowRunId: runId,
    sequence,
    occurredAt: at(ms),
    payload,
  };
}

/** A run record. */
export function runRecord(id: string, patch: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    workflowId: "document-pipeline",
    workflowVersion: "1",
    fingerprint: "0123456789abcdef",
    status: "RUNNING",
    version: 1,
    priority: 0,
    input: { url: "https://library.example.org/x" },
    config: {},
    metadata: {},
    control: {},
    concurrencyKey: null,
    output: null,
    error: null,
    currentGroup: 0,
    groupRemaining: 0,
    eventSeq: 0,
    waiting: false,
    idempotencyKey: null,
    parentRunId: null,
    createdAt: at(0),
    updatedAt: at(0),
    startedAt: at(10),
    completedAt: null,
    ...patch,
  };
}

/** A stage record. */
export function stageRecord(
  runId: string,
  stageId: string,
  patch: Partial<StageRecord> = {},
): StageRecord {
  return {
    id: `${runId}-${stageId}`,
    runId,
    stageId,
    groupIndex: 0,
    status: "PENDING",
    attempt: 0,
    outputRef: null,
    suspendedState: null,
    pollConfig: null,
    nextPollAt: null,
    pollLeaseUntil: null,
    progress: null,
    error: null,
    createdAt: at(10),
    updatedAt: at(10),
    startedAt: null,
    completedAt: null,
    ...patch,
  };
}
