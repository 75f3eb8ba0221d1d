/**
 * Stage completions on PostgreSQL: any number of them in **one statement** (data-modifying
 * CTEs over JSON arrays), so a batch costs one round trip and one commit whatever its size.
 *
 * The statement locks the batch's runs first, in id order (so concurrent batches never
 * deadlock on each other), then the batch's jobs in job_id order, and only then touches stages
 * and jobs: `done` reads `job_locks` (a one-time filter), so every row the statement may wait
 * for is locked before its refill picks queued jobs. A `SKIP LOCKED` pick keeps the lock of a
 * row it re-checked and skipped (a job just leased to this worker by another statement), and a
 * statement that then waited for one of that worker's jobs could deadlock with its heartbeat. Per run it counts the
 * completions that passed the stage compare-and-set, takes them off `group_remaining`, and
 * lets the run's last completion in the batch apply its group close when the counter reaches
 * 0. Events are numbered after the run's `event_seq` in completion order, without gaps. A run
 * row is updated once per statement, and a stage or job row at most once (the batcher never
 * puts two completions of one stage or job in one batch).
 *
 * **Refill.** Completions that carry a `refill` (a worker's slot freed by the stage) also
 * lease queued jobs in the same statement (`completions-refill.ts`).
 *
 * **Closed groups.** A closing completion that asks (`wantsClosedGroup`: its group has several
 * members and its close claims the next group's jobs for the worker) gets the group's stage
 * records as the statement leaves them (members completed in the same statement as its own
 * writes left them, the others as stored), so the worker can hand the continued job an exact
 * snapshot (the kernel checks every other member reads COMPLETED) instead of it reading its run.
 */
import {
  jobOrderAt,
  type RunStatus,
  type StageCompletion,
  type StageCompletionResult,
  type StageRecord,
} from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { CorruptRowError, json, toNumber } from "../sql/rows.js";
import { WAKEUP_CHANNEL } from "../sql/wakeups.js";
import {
  type BatchRefill,
  batchRefill,
  claimedCount,
  handOutRefills,
  type RefillShape,
  refillCtes,
  refillParameters,
  refillShape,
} from "./completions-refill.js";
import { STAGE_COLUMNS, stageFromRow } from "./rows.js";

/**
 * The stage columns of the rows `done` completed, as the statement leaves them: a CTE's writes
 * are invisible to the statement's own reads of the table, so the closed group's records take
 * these for the members completed in this statement (the others read as stored).
 */
const DONE_COLUMNS = STAGE_COLUMNS.split(", ")
  .map((column) => `s.${column}`)
  .join(", ");

/**
 * The statement for a batch whose refill has the shape `refill` (see `completions-refill.ts`; "none":
 * no refill). `$8` and on are the refill's parameters (`refillParameters`).
 */
function completionsSql(refill: RefillShape): string {
  return `
WITH c AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(
    i int, run_id text, group_index int, stage_row text, from_statuses text[], attempt int,
    output text, output_ref text, started_at timestamptz, progress text,
    job_id text, job_attempt int, n_events int,
    has_close boolean, close_events int, close_status text, close_output text,
    close_group int, next_size int, close_control text, refill int, claimed_n int,
    wants_group boolean)
),
locked AS MATERIALIZED (
  SELECT r.id, r.current_group, r.group_remaining, r.event_seq FROM ratchet_runs r
  WHERE r.id = ANY (ARRAY(SELECT run_id FROM c)) AND (r.status = 'RUNNING') IS TRUE
  ORDER BY r.id FOR UPDATE
),
job_locks AS MATERIALIZED (
  SELECT j.seq FROM ratchet_jobs j
  WHERE j.job_id = ANY (ARRAY(SELECT job_id FROM c WHERE job_id IS NOT NULL))
    AND (SELECT count(*) FROM locked) >= 0
  ORDER BY j.job_id FOR UPDATE
),
jobs_done AS (
  UPDATE ratchet_jobs j SET status = 'COMPLETED', locked_by = NULL, locked_until = NULL, updated_at = $2
  FROM c WHERE j.seq = ANY (ARRAY(SELECT seq FROM job_locks))
    AND j.job_id = c.job_id AND (j.status = 'RUNNING') IS TRUE AND j.attempt = c.job_attempt
  RETURNING j.job_id
),
done AS MATERIALIZED (
  UPDATE ratchet_stages s SET status = 'COMPLETED', attempt = c.attempt, output = c.output,
    output_ref = c.output_ref, error = NULL, suspended_state = NULL, next_poll_at = NULL,
    poll_lease_until = NULL, progress = COALESCE(c.progress, s.progress),
    started_at = COALESCE(s.started_at, c.started_at), completed_at = $2, updated_at = $2
  FROM c JOIN locked l ON l.id = c.run_id AND l.current_group = c.group_index
  WHERE s.id = c.stage_row AND s.status = ANY (c.from_statuses)
    AND (SELECT count(*) FROM job_locks) >= 0
  RETURNING c.i, ${DONE_COLUMNS}
),
agg AS MATERIALIZED (
  SELECT run_id, count(*)::int AS n, max(i) AS last_i FROM done GROUP BY run_id
),
closing AS MATERIALIZED (
  SELECT c.* FROM agg a JOIN locked l ON l.id = a.run_id JOIN c ON c.i = a.last_i
  WHERE l.group_remaining - a.n <= 0
),
seqs AS MATERIALIZED (
  SELECT w.i, w.run_id, w.n,
    l.event_seq + sum(w.n) OVER (PARTITION BY w.run_id ORDER BY w.i) - w.n AS base
  FROM (
    SELECT d.i, d.run_id,
      c.n_events + CASE WHEN k.i IS NOT NULL AND c.has_close THEN c.close_events ELSE 0 END AS n
    FROM done d JOIN c ON c.i = d.i LEFT JOIN closing k ON k.i = d.i
  ) w JOIN locked l ON l.id = w.run_id
),
run_upd AS (
  UPDATE ratchet_runs r SET version = r.version + 1, updated_at = $2,
    event_seq = r.event_seq + t.n,
    group_remaining = CASE
      WHEN k.i IS NULL THEN r.group_remaining - a.n
      WHEN k.has_close AND k.next_size IS NOT NULL THEN k.next_size
      ELSE 0 END,
    current_group = CASE WHEN k.has_close AND k.close_group IS NOT NULL THEN k.close_group ELSE r.current_group END,
    status = CASE WHEN k.has_close AND k.close_status IS NOT NULL THEN k.close_status ELSE r.status END,
    output = CASE WHEN k.has_close AND k.close_status = 'COMPLETED' THEN k.close_output ELSE r.output END,
    completed_at = CASE WHEN k.has_close AND k.close_status = 'COMPLETED' THEN $2 ELSE r.completed_at END,
    control = CASE WHEN k.has_close AND k.close_control IS NOT NULL THEN k.close_control ELSE r.control END
  FROM agg a
    JOIN (SELECT run_id, sum(n)::int AS n FROM seqs GROUP BY run_id) t ON t.run_id = a.run_id
    LEFT JOIN closing k ON k.run_id = a.run_id
  WHERE r.id = a.run_id
  RETURNING r.id, r.version, r.event_seq, r.status, r.current_group, r.group_remaining
),
events AS (
  INSERT INTO ratchet_outbox (id, run_id, sequence, type, payload, occurred_at, retry_count, available_at)
  SELECT e.id, s.run_id, s.base + e.k, e.type, e.payload, e.occurred_at, 0, e.occurred_at
  FROM jsonb_to_recordset($3::jsonb) AS e(i int, k int, id text, type text, payload text, occurred_at timestamptz)
  JOIN seqs s ON s.i = e.i
  WHERE e.k <= s.n
),
stages AS (
  INSERT INTO ratchet_stages (id, run_id, stage_id, group_index, status, attempt, created_at, updated_at, completed_at)
  SELECT x.id, x.run_id, x.stage_id, x.group_index, COALESCE(x.status, 'PENDING'), 0, x.created_at, x.created_at,
    CASE WHEN x.status = 'SKIPPED' THEN x.created_at END
  FROM jsonb_to_recordset($4::jsonb) AS x(i int, id text, run_id text, stage_id text, group_index int, created_at timestamptz, status text)
  WHERE x.i IN (SELECT i FROM closing WHERE has_close)
),
jobs AS (
  INSERT INTO ratchet_jobs (job_id, run_id, workflow_id, route, stage_id, status, priority, attempt, max_attempts, payload, available_at, created_at, updated_at, locked_by, locked_until, order_at)
  SELECT x.job_id, x.run_id, x.workflow_id, x.route, x.stage_id,
    CASE WHEN x.locked_by IS NULL THEN 'PENDING' ELSE 'RUNNING' END, x.priority,
    CASE WHEN x.locked_by IS NULL THEN 0 ELSE 1 END, x.max_attempts, x.payload,
    x.available_at, x.available_at, x.available_at, x.locked_by, x.locked_until, x.order_at
  FROM jsonb_to_recordset($5::jsonb) AS x(i int, job_id text, run_id text, workflow_id text, route text, stage_id text, priority int, max_attempts int, payload text, available_at timestamptz, locked_by text, locked_until timestamptz, order_at timestamptz)
  WHERE x.i IN (SELECT i FROM closing WHERE has_close)
  RETURNING locked_by
),
logs AS (
  INSERT INTO ratchet_logs (id, run_id, stage_id, level, message, data, created_at)
  SELECT x.id, x.run_id, x.stage_id, x.level, x.message, x.data, x.created_at
  FROM jsonb_to_recordset($6::jsonb) AS x(i int, id text, run_id text, stage_id text, level text, message text, data text, created_at timestamptz)
  WHERE x.i IN (SELECT i FROM done)
),
woken AS MATERIALIZED (
  SELECT count(*) AS n FROM jobs WHERE locked_by IS NULL
)${refill === "none" ? "" : refillCtes(refill)}
SELECT c.i,
  CASE WHEN d.i IS NOT NULL THEN 'committed'
       WHEN l.id IS NOT NULL AND l.current_group = c.group_index THEN 'duplicate'
       ELSE 'stale' END AS outcome,
  (k.i IS NOT NULL) AS closed,
  u.version, u.event_seq, u.status, u.current_group, u.group_remaining,
  CASE WHEN d.i IS NULL AND (l.id IS NULL OR l.current_group <> c.group_index)
       THEN (SELECT status FROM ratchet_runs WHERE id = c.run_id) END AS run_status,
  (SELECT n FROM woken) AS woken,
  CASE WHEN k.i IS NOT NULL AND c.wants_group THEN (
    SELECT json_agg(s ORDER BY s.group_index, s.created_at, s.id) FROM (
      SELECT ${STAGE_COLUMNS} FROM done WHERE run_id = c.run_id AND group_index = c.group_index
      UNION ALL
      SELECT ${STAGE_COLUMNS} FROM ratchet_stages t
      WHERE t.run_id = c.run_id AND t.group_index = c.group_index
        AND NOT EXISTS (SELECT 1 FROM done x WHERE x.id = t.id)) s) END AS closed_group,
  CASE WHEN (SELECT n FROM woken) > 0 THEN (SELECT pg_notify($7, 'job')::text) END AS notified${
    refill === "none"
      ? ""
      : ",\n  CASE WHEN c.i = 0 THEN (SELECT json_agg(r) FROM refill_rows r) END AS refilled"
  }
FROM c LEFT JOIN done d ON d.i = c.i LEFT JOIN locked l ON l.id = c.run_id
  LEFT JOIN closing k ON k.i = c.i LEFT JOIN run_upd u ON u.id = c.run_id
ORDER BY c.i`;
}

type Row = Record<string, unknown>;

/** The statement texts by refill shape, each built once. */
const statements = new Map<RefillShape, string>();

/** The statement for a batch with `refill`. */
function statementFor(refill: BatchRefill | undefined): string {
  const shape = refillShape(refill);
  let sql = statements.get(shape);
  if (sql === undefined) {
    sql = completionsSql(shape);
    statements.set(shape, sql);
  }
  return sql;
}

/** The statement's parameters for a batch. */
function parameters(
  batch: readonly StageCompletion[],
  now: Date,
  refill: BatchRefill | undefined,
): unknown[] {
  const completions: Row[] = [];
  const events: Row[] = [];
  const stages: Row[] = [];
  const jobs: Row[] = [];
  const logs: Row[] = [];
  batch.forEach((c, i) => {
    const close = c.close;
    completions.push({
      i,
      run_id: c.runId,
      group_index: c.groupIndex,
      stage_row: c.stageRecordId,
      from_statuses: c.fromStatuses,
      attempt: c.attempt,
      output: c.output === null ? null : json(c.output),
      output_ref: json(c.outputRef),
      started_at: c.startedAt.toISOString(),
      progress: c.progress ? json(c.progress) : null,
      job_id: c.job?.jobId ?? null,
      job_attempt: c.job?.attempt ?? null,
      n_events: c.events.length,
      has_close: close !== null,
      close_events: close?.events.length ?? 0,
      close_status: close?.run.status ?? null,
      close_output: close?.run.output === undefined ? null : json(close.run.output),
      close_group: close?.run.currentGroup ?? null,
      next_size: close?.nextGroup ? close.nextGroup.stages.length : null,
      close_control: close?.run.control === undefined ? null : json(close.run.control),
      refill: refill?.slots[i] ?? 0,
      claimed_n: refill?.slots[i] ? claimedCount(c) : 0,
      wants_group: c.wantsClosedGroup === true,
    });
    [...c.events, ...(close?.events ?? [])].forEach((event, k) => {
      events.push({
        i,
        k: k + 1,
        id: event.id,
        type: event.type,
        payload: json(event.payload),
        occurred_at: event.occurredAt.toISOString(),
      });
    });
    for (const stage of close?.nextGroup?.stages ?? []) {
      stages.push({
        i,
        id: stage.id,
        run_id: stage.runId,
        stage_id: stage.stageId,
        group_index: stage.groupIndex,
        created_at: stage.createdAt.toISOString(),
      });
    }
    // The stages a choice did not take: created SKIPPED with the close.
    for (const stage of close?.skipped ?? []) {
      stages.push({
        i,
        id: stage.id,
        run_id: stage.runId,
        stage_id: stage.stageId,
        group_index: stage.groupIndex,
        created_at: stage.createdAt.toISOString(),
        status: "SKIPPED",
      });
    }
    for (const job of close?.nextGroup?.jobs ?? []) {
      jobs.push({
        i,
        job_id: job.jobId,
        run_id: job.workflowRunId,
        workflow_id: job.workflowId,
        route: job.route,
        stage_id: job.stageId,
        priority: job.priority,
        max_attempts: job.maxAttempts,
        payload: json(job.payload),
        available_at: job.availableAt.toISOString(),
        order_at: jobOrderAt(job).toISOString(),
        locked_by: job.claimedBy?.workerId ?? null,
        locked_until: job.claimedBy?.leaseUntil.toISOString() ?? null,
      });
    }
    for (const log of c.logs) {
      logs.push({
        i,
        id: log.id,
        run_id: log.runId,
        stage_id: log.stageId,
        level: log.level,
        message: log.message,
        data: log.data === null ? null : json(log.data),
        created_at: log.createdAt.toISOString(),
      });
    }
  });
  return [
    JSON.stringify(completions),
    now,
    JSON.stringify(events),
    JSON.stringify(stages),
    JSON.stringify(jobs),
    JSON.stringify(logs),
    WAKEUP_CHANNEL,
    ...(refill ? refillParameters(refill, now) : []),
  ];
}

/** The closed group's records a row carries (`closed_group`), unless one cannot be read. */
function closedGroupOf(row: Row): { closedGroup?: StageRecord[] } {
  const rows = row.closed_group as Row[] | null | undefined;
  if (!rows) return {};
  try {
    return { closedGroup: rows.map(stageFromRow) };
  } catch (error) {
    // Only a shortcut: without it the continued job reads its run.
    if (error instanceof CorruptRowError) return {};
    throw error;
  }
}

/** A completion's result; `now` is the batch's time, which the statement wrote as `updated_at`. */
function resultOf(row: Row, now: Date): StageCompletionResult {
  if (row.outcome === "duplicate") return { kind: "duplicate" };
  if (row.outcome === "stale")
    return { kind: "stale", status: (row.run_status as RunStatus | null) ?? null };
  return {
    ...closedGroupOf(row),
    kind: "committed",
    closed: row.closed === true,
    run: {
      status: row.status as RunStatus,
      version: toNumber(row.version),
      eventSeq: toNumber(row.event_seq),
      currentGroup: toNumber(row.current_group),
      groupRemaining: toNumber(row.group_remaining),
      updatedAt: new Date(now.getTime()),
    },
  };
}

/**
 * Writes a batch of completions in one statement; returns one result per completion, in order,
 * and whether any job that nobody holds yet was enqueued (so local hosts can be woken).
 */
export async function commitCompletionsPostgres(
  db: SqlExecutor,
  batch: readonly StageCompletion[],
): Promise<{ results: StageCompletionResult[]; woken: boolean }> {
  const now = batch.reduce(
    (latest, c) => (c.now.getTime() > latest.getTime() ? c.now : latest),
    (batch[0] as StageCompletion).now,
  );
  const refill = batchRefill(batch);
  const rows = await db.query(statementFor(refill), ...parameters(batch, now, refill));
  const results = rows.map((row) => resultOf(row, now));
  if (refill) await handOutRefills(db, batch, results, refill, rows[0]?.refilled, now);
  return { results, woken: rows.some((row) => toNumber(row.woken ?? 0) > 0) };
}
