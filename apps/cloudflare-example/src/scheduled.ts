/**
 * The Cron Trigger (e.g. `* * * * *`): one maintenance tick (claim pending runs, poll
 * suspended stages, release stale leases, publish one flush of events), then run available
 * jobs within the time budget, then publish the outbox within what is left of it. This path
 * alone completes every run; queue messages make jobs start sooner.
 */
import type {
  MaintenanceTickResult,
  ProcessJobsResult,
  PublishEventsResult,
} from "@ratchet/host-serverless";
import type { ScheduledController } from "./cloudflare.js";
import { publishEvents, publishFailed } from "./publish.js";
import type { Runtime } from "./runtime.js";

/** What one cron invocation did. */
export interface ScheduledSummary {
  cron: string;
  tick: MaintenanceTickResult;
  jobs: ProcessJobsResult;
  /** Events published after the jobs; `null` when the jobs used up the budget. */
  events: PublishEventsResult | null;
}

/** Ticks, drains the queue, then publishes the events its jobs wrote. */
export async function handleScheduled(
  runtime: Runtime,
  controller: ScheduledController,
): Promise<ScheduledSummary> {
  const tick = await runtime.host.runMaintenanceTick();
  const { maxJobs, concurrency, timeBudgetMs } = runtime.settings;
  const jobs = await runtime.host.processAvailableJobs({ maxJobs, concurrency, timeBudgetMs });
  // The tick published one flush; the jobs wrote more events. Publish them now, not next minute.
  const events = await publishEvents(runtime, timeBudgetMs - jobs.elapsedMs);
  const summary = { cron: controller.cron, tick, jobs, events };
  if (tick.failures.length > 0 || jobs.errors.length > 0 || publishFailed(events)) {
    console.warn(JSON.stringify(summary));
  }
  return summary;
}
