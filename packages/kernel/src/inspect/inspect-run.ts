/**
 * `inspectRun`: a run as an operator sees it, from its records alone (pure: no reads, no
 * clock). Each stage's state comes from its record and its job's lease — nothing is written
 * when an attempt starts, so the common path keeps one commit per stage.
 */

import { eventsByStage, lastJobs, stageViewOf } from "./stage-view.js";
import { buildTimeline } from "./timeline.js";
import type { DeadLetterView, InspectInput, RunInspection } from "./types.js";

/**
 * Inspects a run: its stages' live state (a `PENDING` record whose job is leased is `RUNNING`;
 * one waiting for its back-off is `RETRY_WAIT`), each attempt's outcome and error (from the
 * run's `workflow.step.*` events and the records), the lease holder and heartbeat age, the
 * timeline, and the dead-lettered events. `now` is the time it describes.
 *
 * @example
 * ```ts
 * const details = await queries.getRun(runId);
 * const inspection = inspectRun({
 *   ...details,
 *   jobs: await queries.listJobs(runId),
 *   events: await queries.listEvents(runId),
 *   now: new Date(),
 * });
 * for (const stage of inspection.stages) console.log(stage.stageId, stage.state);
 * ```
 */
export function inspectRun(input: InspectInput): RunInspection {
  const { run, now } = input;
  const jobs = lastJobs(input.jobs);
  const events = eventsByStage(input.events);
  const stages = input.stages.map((record) =>
    stageViewOf(record, jobs.get(record.stageId), events.get(record.stageId) ?? [], now),
  );
  const deadLetters: DeadLetterView[] = input.events
    .filter((event) => event.dlqAt !== null)
    .map((event) => ({
      id: event.id,
      type: event.type,
      sequence: event.sequence,
      dlqAt: event.dlqAt as Date,
      lastError: event.lastError,
    }));
  return {
    run,
    stages,
    timeline: buildTimeline(run, input.events, stages),
    deadLetters,
    concurrency: input.concurrency ?? null,
    children: input.children ? [...input.children] : [],
    ...(input.breakers && input.breakers.length > 0 ? { breakers: [...input.breakers] } : {}),
    ...(input.startRate ? { startRate: input.startRate } : {}),
    now,
  };
}
