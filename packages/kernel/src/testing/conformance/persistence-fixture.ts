/** The fixture of the persistence conformance suite, and builders of the rows its tests write. */
import type { Persistence } from "../../ports/persistence/index.js";
import type { RunQueries } from "../../ports/run-queries.js";
import type {
  JsonValue,
  LogRecord,
  NewOutboxEvent,
  NewRun,
  NewStage,
  OutboxRecord,
  RunRecord,
  StageRecord,
} from "../../records.js";
import { at, type ConformanceFixture, type ConformanceOptions, uniqueId } from "./shared.js";

/** A stage as stored, with its inline output (`null` when it has none). */
export interface BackdoorStage extends StageRecord {
  output: JsonValue | null;
}

/** An idempotency key as stored. */
export interface BackdoorIdempotencyKey {
  status: "in_progress" | "completed";
  /** The completed command's result; `null` while in progress. */
  result: JsonValue | null;
}

/**
 * Raw readers of what the adapter's store really holds, bypassing the adapter (SQL for a
 * database adapter), so the suite checks what was written and not only what the adapter
 * reads back. Each reads committed data only.
 */
export interface PersistenceBackdoor {
  readRun(id: string): Promise<RunRecord | null>;
  readStage(runId: string, stageId: string): Promise<BackdoorStage | null>;
  /** A run's log lines, oldest first. */
  readLogs(runId: string): Promise<LogRecord[]>;
  /** A run's outbox events by sequence. */
  readOutbox(runId: string): Promise<OutboxRecord[]>;
  readIdempotencyKey(key: string, commandType: string): Promise<BackdoorIdempotencyKey | null>;
}

/** What `persistenceConformance` tests: a persistence over an empty store. */
export interface PersistenceFixture extends ConformanceFixture {
  persistence: Persistence;
  /** Run queries over the same store: the suite reads logs and events back through them. */
  queries: RunQueries;
  /** Raw readers; without them the suite checks through the adapter only. */
  backdoor?: PersistenceBackdoor;
}

/** Options of `persistenceConformance`. */
export type PersistenceConformanceOptions = ConformanceOptions<PersistenceFixture>;

/**
 * A new run with unique id and workflow id, at `T0`, recorded without a version (fingerprint
 * `""`: its route key is its workflow id) unless `overrides` gives one.
 */
export function buildRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: uniqueId("run"),
    workflowId: uniqueId("wf"),
    workflowVersion: "1",
    fingerprint: "",
    priority: 0,
    input: { orderId: 7 },
    config: {},
    metadata: {},
    idempotencyKey: null,
    eventSeq: 0,
    createdAt: at(0),
    ...overrides,
  };
}

/** A new stage record of `runId`. */
export function buildStage(
  runId: string,
  stageId: string,
  groupIndex: number,
  createdAtMs = 0,
): NewStage {
  return { id: uniqueId("stage"), runId, stageId, groupIndex, createdAt: at(createdAtMs) };
}

/** A new outbox event of `runId`. */
export function buildEvent(runId: string, sequence: number, occurredAtMs: number): NewOutboxEvent {
  return {
    id: uniqueId("event"),
    runId,
    sequence,
    type: `test.event.${sequence}`,
    payload: { sequence, note: "conformance" },
    occurredAt: at(occurredAtMs),
  };
}

/** A new log line of `runId`. */
export function buildLog(runId: string, createdAtMs: number, message: string): LogRecord {
  return {
    id: uniqueId("log"),
    runId,
    stageId: null,
    level: "info",
    message,
    data: null,
    createdAt: at(createdAtMs),
  };
}
