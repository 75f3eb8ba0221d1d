/**
 * Backdoor readers for the conformance suites: they read the tables with the plain drivers
 * (`pg`, `better-sqlite3`), bypassing Prisma and the adapters, so the suites check what was
 * really stored. Mapping is written here again on purpose, independent of the adapters'.
 */
import type {
  BackdoorIdempotencyKey,
  BackdoorStage,
  BlobStoreBackdoor,
  JobTransportBackdoor,
  PersistenceBackdoor,
  SchedulerBackdoor,
} from "@ratchet/kernel/testing";
import Database from "better-sqlite3";
import { testPool } from "./pg-pool.js";

type Row = Record<string, unknown>;

/** Runs one read-only query, `$n` placeholders. */
export interface RawReader {
  read(sql: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** A reader over a PostgreSQL database (its own pool). */
export function postgresReader(url: string): RawReader {
  const pool = testPool(url, 2);
  return {
    read: async (sql, params = []) => (await pool.query(sql, params)).rows,
    close: () => pool.end(),
  };
}

/** A reader over an SQLite file (its own read-only connection). */
export function sqliteReader(file: string): RawReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    read: async (sql, params = []) =>
      db.prepare(sql.replace(/\$\d+/g, "?")).all(...params) as Row[],
    close: async () => {
      db.close();
    },
  };
}

const date = (v: unknown): Date => {
  if (v instanceof Date) return v;
  if (typeof v === "number" || typeof v === "bigint") return new Date(Number(v));
  throw new Error(`backdoor: not a stored date: ${String(v)}`);
};
const dateOrNull = (v: unknown): Date | null => (v === null ? null : date(v));
const parsed = (v: unknown) => (v === null ? null : JSON.parse(v as string));
const num = (v: unknown) => Number(v);

/** Persistence backdoor over raw SQL. */
export function persistenceBackdoor(db: RawReader): PersistenceBackdoor {
  return {
    async readRun(id) {
      const [r] = await db.read("SELECT * FROM ratchet_runs WHERE id = $1", [id]);
      if (!r) return null;
      return {
        id: r.id as string,
        workflowId: r.workflow_id as string,
        workflowVersion: r.workflow_version as string,
        fingerprint: r.fingerprint as string,
        status: r.status as never,
        version: num(r.version),
        priority: num(r.priority),
        input: parsed(r.input),
        config: parsed(r.config),
        metadata: parsed(r.metadata),
        control: parsed(r.control),
        concurrencyKey: (r.concurrency_key as string | null) ?? null,
        output: parsed(r.output),
        error: parsed(r.error),
        currentGroup: num(r.current_group),
        groupRemaining: num(r.group_remaining),
        eventSeq: num(r.event_seq),
        idempotencyKey: (r.idempotency_key as string | null) ?? null,
        parentRunId: (r.parent_run_id as string | null) ?? null,
        waiting: r.waiting === true || r.waiting === 1 || r.waiting === 1n,
        createdAt: date(r.created_at),
        updatedAt: date(r.updated_at),
        startedAt: dateOrNull(r.started_at),
        completedAt: dateOrNull(r.completed_at),
      };
    },
    async readStage(runId, stageId): Promise<BackdoorStage | null> {
      const [r] = await db.read(
        "SELECT * FROM ratchet_stages WHERE run_id = $1 AND stage_id = $2",
        [runId, stageId],
      );
      if (!r) return null;
      return {
        id: r.id as string,
        runId: r.run_id as string,
        stageId: r.stage_id as string,
        groupIndex: num(r.group_index),
        status: r.status as never,
        attempt: num(r.attempt),
        output: parsed(r.output),
        outputRef: parsed(r.output_ref),
        suspendedState: parsed(r.suspended_state),
        pollConfig: parsed(r.poll_config),
        nextPollAt: dateOrNull(r.next_poll_at),
        pollLeaseUntil: dateOrNull(r.poll_lease_until),
        progress: parsed(r.progress),
        error: parsed(r.error),
        createdAt: date(r.created_at),
        updatedAt: date(r.updated_at),
        startedAt: dateOrNull(r.started_at),
        completedAt: dateOrNull(r.completed_at),
      };
    },
    async readLogs(runId) {
      const rows = await db.read(
        "SELECT * FROM ratchet_logs WHERE run_id = $1 ORDER BY created_at, id",
        [runId],
      );
      return rows.map((r) => ({
        id: r.id as string,
        runId: r.run_id as string,
        stageId: (r.stage_id as string | null) ?? null,
        level: r.level as never,
        message: r.message as string,
        data: parsed(r.data),
        createdAt: date(r.created_at),
      }));
    },
    async readOutbox(runId) {
      const rows = await db.read(
        "SELECT * FROM ratchet_outbox WHERE run_id = $1 ORDER BY sequence",
        [runId],
      );
      return rows.map((r) => ({
        id: r.id as string,
        runId: r.run_id as string,
        sequence: num(r.sequence),
        type: r.type as string,
        payload: parsed(r.payload),
        occurredAt: date(r.occurred_at),
        publishedAt: dateOrNull(r.published_at),
        retryCount: num(r.retry_count),
        availableAt: date(r.available_at),
        dlqAt: dateOrNull(r.dlq_at),
        lastError: (r.last_error as string | null) ?? null,
      }));
    },
    async readIdempotencyKey(key, commandType): Promise<BackdoorIdempotencyKey | null> {
      const [r] = await db.read(
        'SELECT * FROM ratchet_idempotency_keys WHERE "key" = $1 AND command_type = $2',
        [key, commandType],
      );
      if (!r) return null;
      return {
        status: r.status === "COMPLETED" ? "completed" : "in_progress",
        result: parsed(r.result),
      };
    },
  };
}

/** Job queue backdoor over raw SQL. */
export function jobBackdoor(db: RawReader): JobTransportBackdoor {
  return {
    async readJob(jobId) {
      const [r] = await db.read("SELECT * FROM ratchet_jobs WHERE job_id = $1", [jobId]);
      if (!r) return null;
      return {
        jobId: r.job_id as string,
        workflowRunId: r.run_id as string,
        workflowId: r.workflow_id as string,
        route: r.route as string,
        stageId: r.stage_id as string,
        priority: num(r.priority),
        attempt: num(r.attempt),
        maxAttempts: num(r.max_attempts),
        payload: parsed(r.payload),
        status: r.status as never,
        availableAt: date(r.available_at),
        lockedBy: (r.locked_by as string | null) ?? null,
        lockedUntil: dateOrNull(r.locked_until),
        lastError: parsed(r.last_error),
        createdAt: date(r.created_at),
        updatedAt: date(r.updated_at),
      };
    },
  };
}

/** Scheduler backdoor over raw SQL. */
export function schedulerBackdoor(db: RawReader): SchedulerBackdoor {
  return {
    async readScheduled(type, correlationId) {
      const [r] = await db.read(
        "SELECT * FROM ratchet_scheduled_commands WHERE type = $1 AND correlation_id = $2",
        [type, correlationId],
      );
      if (!r) return null;
      return {
        id: r.id as string,
        type: r.type as string,
        correlationId: r.correlation_id as string,
        payload: parsed(r.payload),
        runAt: date(r.run_at),
      };
    },
  };
}

/** Blob store backdoor over raw SQL. */
export function blobBackdoor(db: RawReader): BlobStoreBackdoor {
  return {
    async readBlob(key) {
      const [r] = await db.read('SELECT data FROM ratchet_blobs WHERE "key" = $1', [key]);
      if (!r) return null;
      const data = r.data as Uint8Array;
      return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    },
  };
}
