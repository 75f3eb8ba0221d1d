/**
 * The records `job.execute` picks from its run's stage records: the stage's own, and the
 * completed ones whose outputs are its input. Loops, not `find`/`filter` with a closure: this
 * runs for every stage.
 */
import type { StageRecord } from "../../records.js";

/** The record of stage `stageId` among a run's records. */
export function recordOf(
  records: readonly StageRecord[],
  stageId: string,
): StageRecord | undefined {
  for (const record of records) if (record.stageId === stageId) return record;
  return undefined;
}

/**
 * The completed records whose outputs a stage of group `groupIndex` may read: every earlier
 * group's, and those of `fromGroup` (where a jump came from).
 */
export function completedInputs(
  records: readonly StageRecord[],
  groupIndex: number,
  fromGroup: number,
): StageRecord[] {
  const inputs: StageRecord[] = [];
  for (const r of records) {
    if ((r.groupIndex < groupIndex || r.groupIndex === fromGroup) && r.status === "COMPLETED")
      inputs.push(r);
  }
  return inputs;
}
