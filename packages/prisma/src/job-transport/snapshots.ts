/**
 * Snapshots for dequeued jobs: the run and its stage records as they were when the job was
 * leased, handed to `job.execute` with the job so it reads nothing before running the stage.
 *
 * - PostgreSQL: in the leasing statement itself — each returned job carries its run and
 *   stages as JSON (`leaseWithSnapshots`), so a dequeue stays one round trip.
 * - SQLite: one more statement pair right after the lease (`attachSnapshots`), in-process and
 *   cheap, on the same connection.
 *
 * A snapshot is only a shortcut: a run whose rows cannot be read back (`CORRUPT_ROW`) gets
 * none, so its job's `job.execute` reads the run itself and fails alone, instead of the whole
 * dequeue failing (with every job of the batch already leased).
 */
import type { DequeuedJob, RunRecord, StageRecord } from "@ratchet/kernel/adapter";
import { RUN_COLUMNS, runFromRow, STAGE_COLUMNS, stageFromRow } from "../persistence/rows.js";
import type { SqlExecutor } from "../sql/executor.js";
import { CorruptRowError } from "../sql/rows.js";

type Row = Record<string, unknown>;
type Snapshot = NonNullable<DequeuedJob["snapshot"]>;

const STAGE_ORDER = "group_index, created_at, id";

/** `decode()`, or `undefined` when a row it reads is corrupt. */
function unlessCorrupt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CorruptRowError) return undefined;
    throw error;
  }
}

/**
 * Wraps a PostgreSQL `UPDATE … RETURNING` that leases jobs (named `leased` in the result) so
 * each returned row also holds `run_json` and `stages_json`.
 */
export function leaseWithSnapshots(leaseStatement: string): string {
  return `WITH leased AS (${leaseStatement})
    ${withSnapshotColumns("leased")}`;
}

/**
 * A `SELECT` of every row of `leased` (a CTE of leased jobs) with `run_json`, `stages_json` and
 * `omits_members`. The stages leave out the other members of the job's own group (`own`: the
 * group of its stage record), which running it does not read: a member of a fan-out of ten
 * carries its own record, not ten (the JSON built and decoded per leased job). `omits_members`
 * says when some were left out; `job.execute` then reads the run where it needs them
 * (`snapshotOf` in the kernel).
 */
export function withSnapshotColumns(leased: string): string {
  return `SELECT l.*,
      (SELECT row_to_json(r) FROM (SELECT ${RUN_COLUMNS} FROM ratchet_runs WHERE id = l.run_id) r) AS run_json,
      (SELECT json_agg(s ORDER BY s.group_index, s.created_at, s.id)
         FROM (SELECT ${STAGE_COLUMNS} FROM ratchet_stages
               WHERE run_id = l.run_id AND (g.own IS NULL OR group_index <> g.own OR stage_id = l.stage_id)) s) AS stages_json,
      (g.own IS NOT NULL AND EXISTS (SELECT 1 FROM ratchet_stages o
         WHERE o.run_id = l.run_id AND o.group_index = g.own AND o.stage_id <> l.stage_id)) AS omits_members
    FROM ${leased} l LEFT JOIN LATERAL (
      SELECT group_index AS own FROM ratchet_stages WHERE run_id = l.run_id AND stage_id = l.stage_id) g ON true`;
}

/** The snapshot a row of {@link leaseWithSnapshots} carries, if its run exists. */
export function snapshotOfRow(row: Row): Snapshot | undefined {
  const run = row.run_json as Row | null;
  if (!run) return undefined;
  const stages = (row.stages_json as Row[] | null) ?? [];
  return unlessCorrupt(() =>
    row.omits_members === true
      ? { run: runFromRow(run), stages: stages.map(stageFromRow), omitsGroupMembers: true }
      : { run: runFromRow(run), stages: stages.map(stageFromRow) },
  );
}

/** Reads the runs and stages of `jobs` and attaches them as snapshots (SQLite). */
export async function attachSnapshots(db: SqlExecutor, jobs: DequeuedJob[]): Promise<void> {
  const runIds = [...new Set(jobs.map((job) => job.workflowRunId))];
  if (runIds.length === 0) return;
  const marks = runIds.map((_, i) => `$${i + 1}`).join(", ");
  const [runRows, stageRows] = await Promise.all([
    db.query(`SELECT ${RUN_COLUMNS} FROM ratchet_runs WHERE id IN (${marks})`, ...runIds),
    db.query(
      `SELECT ${STAGE_COLUMNS} FROM ratchet_stages WHERE run_id IN (${marks}) ORDER BY ${STAGE_ORDER}`,
      ...runIds,
    ),
  ]);
  const runs = new Map<string, RunRecord>();
  for (const row of runRows) {
    const run = unlessCorrupt(() => runFromRow(row));
    if (run) runs.set(run.id, run);
  }
  const stages = new Map<string, StageRecord[]>();
  for (const row of stageRows) {
    const stage = unlessCorrupt(() => stageFromRow(row));
    if (!stage) {
      runs.delete(row.run_id as string);
      continue;
    }
    const list = stages.get(stage.runId);
    if (list) list.push(stage);
    else stages.set(stage.runId, [stage]);
  }
  for (const job of jobs) {
    const run = runs.get(job.workflowRunId);
    // Each job gets records of its own: job.execute may build on them.
    if (run) job.snapshot = { run, stages: [...(stages.get(run.id) ?? [])] };
  }
}
