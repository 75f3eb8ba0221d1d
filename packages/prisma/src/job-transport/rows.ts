/**
 * Columns and row mappers of `ratchet_jobs`.
 */
import type { DequeuedJob, JobRecord, JobStatus, StoredError } from "@ratchet/kernel/adapter";
import {
  parseJsonObject,
  parseJsonOrNull,
  type RowSource,
  toDate,
  toDateOrNull,
  toNumber,
} from "../sql/rows.js";

type Row = Record<string, unknown>;

const JOBS: RowSource = { table: "ratchet_jobs", idColumn: "job_id", runColumn: "run_id" };

/** Columns a dequeued job needs. */
export const DEQUEUED_COLUMNS =
  "job_id, run_id, workflow_id, stage_id, priority, attempt, max_attempts, payload";

/** Every column of a job record. */
export const JOB_COLUMNS = `${DEQUEUED_COLUMNS}, route, status, available_at, locked_by, locked_until, last_error, created_at, updated_at`;

/** A row as a dequeued job. */
export function dequeuedFromRow(row: Row): DequeuedJob {
  return {
    jobId: row.job_id as string,
    workflowRunId: row.run_id as string,
    workflowId: row.workflow_id as string,
    stageId: row.stage_id as string,
    priority: toNumber(row.priority),
    attempt: toNumber(row.attempt),
    maxAttempts: toNumber(row.max_attempts),
    payload: parseJsonObject(row.payload, JOBS, row, "payload"),
  };
}

/** A row as a job record. */
export function jobFromRow(row: Row): JobRecord {
  return {
    ...dequeuedFromRow(row),
    route: row.route as string,
    status: row.status as JobStatus,
    availableAt: toDate(row.available_at),
    lockedBy: (row.locked_by as string | null) ?? null,
    lockedUntil: toDateOrNull(row.locked_until),
    lastError: parseJsonOrNull<StoredError>(row.last_error, JOBS, row, "last_error"),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}
