/**
 * The stages part of the {@link Persistence} port: a run's stage records, their outputs and
 * the leases on suspended stages.
 *
 * - `updateStage` with `expected` is a compare-and-set on `status`/`attempt`: it returns
 *   `false` and changes nothing when the row does not match. This is how a duplicate delivery
 *   of a job commits its stage output once.
 * - `claimSuspendedStages` leases rows to one caller until `now + leaseMs`, so two hosts never
 *   poll the same stage at once.
 */
import type {
  JsonValue,
  NewStage,
  StageOutputKey,
  StagePatch,
  StageRecord,
  StageStatus,
} from "../../records.js";

/** Compare-and-set condition of {@link StageStore.updateStage}. */
export interface StageExpectation {
  status?: readonly StageStatus[];
  attempt?: number;
}

/** Options of {@link StageStore.claimSuspendedStages} and `OutboxStore.claimOutboxEvents`. */
export interface ClaimLeaseOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  /**
   * `claimSuspendedStages`: only stages of runs whose route key is one of these (a worker polls
   * only stages its registry can check). Absent: any run.
   */
  routes?: readonly string[];
}

/** Stage records of runs. */
export interface StageStore {
  /**
   * Inserts stage records at attempt 0: `PENDING`, or — with `status: "SKIPPED"` — `SKIPPED`
   * with `completedAt` their `createdAt`.
   */
  createStages(stages: readonly NewStage[]): Promise<void>;
  listStages(runId: string): Promise<StageRecord[]>;
  getStage(runId: string, stageId: string): Promise<StageRecord | null>;
  updateStage(
    id: string,
    patch: StagePatch,
    options: { expected?: StageExpectation; now: Date },
  ): Promise<boolean>;
  /**
   * Inline outputs of stages, in a map keyed by `` `${runId}:${stageId}` ``; stages without an
   * inline output are absent.
   */
  getStageOutputs(keys: readonly StageOutputKey[]): Promise<Map<string, JsonValue>>;
  /**
   * Deletes the stage records of a run from `groupIndex` on (for rerun-from), or with
   * `throughGroup` only those of groups `groupIndex..throughGroup` (a loop entering a group
   * again); returns how many.
   */
  deleteStagesFrom(runId: string, groupIndex: number, throughGroup?: number): Promise<number>;
  claimSuspendedStages(options: ClaimLeaseOptions): Promise<StageRecord[]>;
}
