/**
 * What a waiting run waits for: a worker that registered the run's exact definition (its
 * workflow id, version and fingerprint). Workers take only runs and jobs whose route key is
 * among their definitions', so after a deploy that dropped a definition its runs sit PENDING
 * (or RUNNING with queued stages) until a worker that has it comes along.
 */
import { describeDefinition, type JobRecord, type RunRecord, routeKey } from "@ratchet/kernel";

/** The definition a waiting run needs a worker for. */
export interface WaitingFor {
  workflowId: string;
  /** `""` for a run stored before runs recorded versions (any version of the workflow serves it). */
  workflowVersion: string;
  fingerprint: string;
  /** The route key a worker must serve (`routeKey` of the workflow id, version and fingerprint). */
  route: string;
  /** `claim`: the run was not claimed yet; `stages`: its queued stages wait to be executed. */
  waiting: "claim" | "stages";
  /** The queued stages (for `stages`), in the order their jobs were listed. */
  stages: string[];
}

/**
 * What `run` waits for, given its active jobs (PENDING or RUNNING): a PENDING run waits to be
 * claimed; a RUNNING one with queued jobs and none executing waits for its stages to be taken.
 * `undefined` when the run is not waiting for a worker (it ended, a stage is being executed,
 * or nothing is queued — e.g. a suspended stage waiting for its next check).
 */
export function waitingForOf(
  run: RunRecord,
  jobs: readonly Pick<JobRecord, "status" | "stageId">[],
): WaitingFor | undefined {
  const definition = {
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    route: routeKey(run),
  };
  if (run.status === "PENDING") return { ...definition, waiting: "claim", stages: [] };
  if (run.status !== "RUNNING" || jobs.some((job) => job.status === "RUNNING")) return undefined;
  const queued = jobs.filter((job) => job.status === "PENDING").map((job) => job.stageId);
  return queued.length === 0 ? undefined : { ...definition, waiting: "stages", stages: queued };
}

/**
 * One line saying what the run waits for, e.g. `waiting for a worker that has workflow "order"
 * at version 1 (fingerprint 3f9c…)`.
 */
export function describeWaitingFor(waiting: WaitingFor): string {
  const worker = `waiting for a worker that has workflow "${waiting.workflowId}"`;
  const definition =
    waiting.fingerprint === ""
      ? `${worker} (any version: the run was stored before runs recorded versions)`
      : `${worker} at ${describeDefinition(waiting)}`;
  return waiting.waiting === "stages"
    ? `${definition} to execute ${waiting.stages.map((id) => `"${id}"`).join(", ")}`
    : definition;
}
