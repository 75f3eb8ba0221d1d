/**
 * Column lists and row mappers of the persistence tables.
 */
import type {
  LogLevel,
  LogRecord,
  OutboxRecord,
  RunRecord,
  RunStatus,
  StageRecord,
  StageStatus,
  StoredError,
} from "@ratchet/kernel/adapter";
import {
  parseJson,
  parseJsonObject,
  parseJsonOrNull,
  type RowSource,
  toBoolean,
  toDate,
  toDateOrNull,
  toNumber,
} from "../sql/rows.js";

type Row = Record<string, unknown>;

const RUNS: RowSource = { table: "ratchet_runs", idColumn: "id", runColumn: "id" };
const STAGES: RowSource = { table: "ratchet_stages", idColumn: "id", runColumn: "run_id" };
const OUTBOX: RowSource = { table: "ratchet_outbox", idColumn: "id", runColumn: "run_id" };
const LOGS: RowSource = { table: "ratchet_logs", idColumn: "id", runColumn: "run_id" };

/** Columns of `ratchet_runs`, in the order {@link runFromRow} reads them. */
export const RUN_COLUMNS =
  "id, workflow_id, workflow_version, fingerprint, status, version, priority, input, config, metadata, control, concurrency_key, output, error, current_group, group_remaining, event_seq, idempotency_key, parent_run_id, waiting, created_at, updated_at, started_at, completed_at";

/** A run row as a record. */
export function runFromRow(row: Row): RunRecord {
  return {
    id: row.id as string,
    workflowId: row.workflow_id as string,
    workflowVersion: row.workflow_version as string,
    fingerprint: row.fingerprint as string,
    status: row.status as RunStatus,
    version: toNumber(row.version),
    priority: toNumber(row.priority),
    input: parseJson(row.input, RUNS, row, "input"),
    config: parseJsonObject(row.config, RUNS, row, "config"),
    metadata: parseJsonObject(row.metadata, RUNS, row, "metadata"),
    control: parseJsonObject(row.control, RUNS, row, "control"),
    concurrencyKey: (row.concurrency_key as string | null) ?? null,
    output: parseJsonOrNull(row.output, RUNS, row, "output"),
    error: parseJsonOrNull<StoredError>(row.error, RUNS, row, "error"),
    currentGroup: toNumber(row.current_group),
    groupRemaining: toNumber(row.group_remaining),
    eventSeq: toNumber(row.event_seq),
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    parentRunId: (row.parent_run_id as string | null) ?? null,
    waiting: toBoolean(row.waiting),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    startedAt: toDateOrNull(row.started_at),
    completedAt: toDateOrNull(row.completed_at),
  };
}

/** Columns of `ratchet_stages` without the inline output, in the order {@link stageFromRow} reads them. */
export const STAGE_COLUMNS =
  "id, run_id, stage_id, group_index, status, attempt, output_ref, suspended_state, poll_config, next_poll_at, poll_lease_until, progress, error, created_at, updated_at, started_at, completed_at";

/** A stage row as a record. */
export function stageFromRow(row: Row): StageRecord {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    stageId: row.stage_id as string,
    groupIndex: toNumber(row.group_index),
    status: row.status as StageStatus,
    attempt: toNumber(row.attempt),
    outputRef: parseJsonOrNull(
      row.output_ref,
      STAGES,
      row,
      "output_ref",
    ) as StageRecord["outputRef"],
    suspendedState: parseJsonOrNull(row.suspended_state, STAGES, row, "suspended_state"),
    pollConfig: parseJsonOrNull(
      row.poll_config,
      STAGES,
      row,
      "poll_config",
    ) as StageRecord["pollConfig"],
    nextPollAt: toDateOrNull(row.next_poll_at),
    pollLeaseUntil: toDateOrNull(row.poll_lease_until),
    progress: parseJsonOrNull(row.progress, STAGES, row, "progress") as StageRecord["progress"],
    error: parseJsonOrNull<StoredError>(row.error, STAGES, row, "error"),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    startedAt: toDateOrNull(row.started_at),
    completedAt: toDateOrNull(row.completed_at),
  };
}

/**
 * An outbox event's availability: the later of `available_at` (the insert, a failure's
 * back-off, a replay) and `leased_until` (the last claim's lease end, NULL when never claimed).
 */
export const OUTBOX_AVAILABLE =
  "(CASE WHEN leased_until > available_at THEN leased_until ELSE available_at END)";

/** Columns of `ratchet_outbox` (`available_at` read as {@link OUTBOX_AVAILABLE}). */
export const OUTBOX_COLUMNS = `id, run_id, sequence, type, payload, occurred_at, published_at, retry_count, ${OUTBOX_AVAILABLE} AS available_at, dlq_at, last_error`;

/** An outbox row as a record. */
export function outboxFromRow(row: Row): OutboxRecord {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    sequence: toNumber(row.sequence),
    type: row.type as string,
    payload: parseJsonObject(row.payload, OUTBOX, row, "payload"),
    occurredAt: toDate(row.occurred_at),
    publishedAt: toDateOrNull(row.published_at),
    retryCount: toNumber(row.retry_count),
    availableAt: toDate(row.available_at),
    dlqAt: toDateOrNull(row.dlq_at),
    lastError: (row.last_error as string | null) ?? null,
  };
}

/** Columns of `ratchet_logs`. */
export const LOG_COLUMNS = "id, run_id, stage_id, level, message, data, created_at";

/** A log row as a record. */
export function logFromRow(row: Row): LogRecord {
  return {
    id: row.id as string,
    runId: row.run_id as string,
    stageId: (row.stage_id as string | null) ?? null,
    level: row.level as LogLevel,
    message: row.message as string,
    data: parseJsonOrNull(row.data, LOGS, row, "data"),
    createdAt: toDate(row.created_at),
  };
}
