/**
 * A stage being executed is still `PENDING` in its record until its attempt settles (executing
 * writes nothing, see ADR 0005); its job's live lease says it runs. Progress views overlay that.
 */
import type { JobRecord, StageRecord } from "@ratchet/kernel";

/**
 * `stages` with each `PENDING` stage whose job is leased (`RUNNING`, lease not yet over at
 * `now`) shown `RUNNING`, started when its job became available (`availableAt`: the dequeue and every heartbeat move `updatedAt`, so it cannot say; the inspection does the same).
 */
export function withLiveStages(
  stages: readonly StageRecord[],
  jobs: readonly JobRecord[],
  now: Date,
): StageRecord[] {
  const leased = new Map<string, JobRecord>();
  for (const job of jobs)
    if (job.status === "RUNNING" && job.lockedUntil !== null && job.lockedUntil > now)
      leased.set(job.stageId, job);
  if (leased.size === 0) return [...stages];
  return stages.map((stage) => {
    const job = stage.status === "PENDING" ? leased.get(stage.stageId) : undefined;
    return job
      ? { ...stage, status: "RUNNING", startedAt: stage.startedAt ?? job.availableAt }
      : stage;
  });
}
