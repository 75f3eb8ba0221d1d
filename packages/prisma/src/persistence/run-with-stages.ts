/**
 * A run and its stage records in one statement (a LEFT JOIN), for `job.execute`.
 */
import type { RunRecord, StageRecord } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { RUN_COLUMNS, runFromRow, STAGE_COLUMNS, stageFromRow } from "./rows.js";

const columns = (list: string) => list.split(",").map((c) => c.trim());
const RUN = columns(RUN_COLUMNS);
const STAGE = columns(STAGE_COLUMNS);
const SELECT = [
  ...RUN.map((c) => `r.${c} AS r_${c}`),
  ...STAGE.map((c) => `s.${c} AS s_${c}`),
].join(", ");

function unprefix(
  row: Record<string, unknown>,
  prefix: string,
  names: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = row[`${prefix}${name}`];
  return out;
}

/** The run and its stages (ordered like `listStages`), or null. */
export async function getRunWithStages(
  db: SqlExecutor,
  id: string,
): Promise<{ run: RunRecord; stages: StageRecord[] } | null> {
  const rows = await db.query(
    `SELECT ${SELECT} FROM ratchet_runs r LEFT JOIN ratchet_stages s ON s.run_id = r.id WHERE r.id = $1 ORDER BY s.group_index, s.created_at, s.id`,
    id,
  );
  const [first] = rows;
  if (!first) return null;
  return {
    run: runFromRow(unprefix(first, "r_", RUN)),
    stages: rows
      .filter((row) => row.s_id !== null && row.s_id !== undefined)
      .map((row) => stageFromRow(unprefix(row, "s_", STAGE))),
  };
}
