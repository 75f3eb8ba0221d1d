/** How the simulation's trace describes jobs and command results. */
import type { DequeuedJob } from "../../records.js";

/** `run/stage#attempt` of `job`, for the trace. */
export function describeJob(job: DequeuedJob): string {
  return `${job.workflowRunId}/${job.stageId}#${job.attempt}`;
}

/** The number and string fields of a command result, for the trace. */
export function summarise(result: unknown): string {
  if (result === null || typeof result !== "object") return String(result);
  return Object.entries(result as Record<string, unknown>)
    .filter(([, value]) => typeof value === "number" || typeof value === "string")
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}
