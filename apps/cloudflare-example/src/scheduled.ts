/**
 * The Cron Trigger (e.g. `* * * * *`): one maintenance tick (claim pending runs, poll
 * suspended stages, release stale leases, publish events), then run available jobs within the
 * time budget. This path alone completes every run; queue messages make jobs start sooner.
 */
import type { MaintenanceTickResult, ProcessJobsResult } from "@ratchet/host-serverless";
import type { ScheduledController } from "./cloudflare.js";
import type { Runtime } from "./runtime.js";

/** What one cron invocation did. */
export interface ScheduledSummary {
  cron: string;
  tick: MaintenanceTickResult;
  jobs: ProcessJobsResult;
}

/** Ticks, then drains the queue. */
export async function handleScheduled(
  runtime: Runtime,
  controller: ScheduledController,
): Promise<ScheduledSummary> {
  const tick = await runtime.host.runMaintenanceTick();
  const { maxJobs, concurrency, timeBudgetMs } = runtime.settings;
  const jobs = await runtime.host.processAvailableJobs({ maxJobs, concurrency, timeBudgetMs });
  const summary = { cron: controller.cron, tick, jobs };
  if (tick.failures.length > 0 || jobs.errors.length > 0) console.warn(JSON.stringify(summary));
  return summary;
}
