/**
 * The EventBridge schedule path (e.g. `rate(1 minute)`): one maintenance tick (claim pending
 * runs, poll suspended stages, release stale leases, publish one flush of events), then drain
 * the queue until the Lambda's remaining time, less a margin, is spent, then publish the
 * outbox within what is still left. This path alone completes every run; SQS messages only
 * make jobs start sooner.
 */
import type {
  MaintenanceTickResult,
  ProcessJobsResult,
  PublishEventsResult,
} from "@ratchet/host-serverless";
import type { Context } from "aws-lambda";
import { publishEvents } from "./publish.js";
import type { Runtime } from "./runtime.js";

/** What a scheduled invocation did (returned, and so logged by Lambda). */
export interface ScheduledResult {
  tick: MaintenanceTickResult;
  jobs: ProcessJobsResult | null;
  /** Events published after the jobs; `null` when no time was left. */
  events: PublishEventsResult | null;
}

/** Runs one maintenance tick and then available jobs within the time left. */
export async function handleScheduledEvent(
  runtime: Runtime,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<ScheduledResult> {
  const tick = await runtime.host.runMaintenanceTick();
  for (const failure of tick.failures) {
    runtime.log({
      level: "warn",
      message: "maintenance duty failed",
      duty: failure.duty,
      code: failure.code,
      detail: failure.message,
    });
  }
  const { cron } = runtime;
  const startedAt = Date.now();
  const timeLeftMs = () =>
    context
      ? context.getRemainingTimeInMillis() - cron.marginMs
      : cron.defaultBudgetMs - (Date.now() - startedAt);
  const timeBudgetMs = timeLeftMs();
  if (timeBudgetMs <= 0) return { tick, jobs: null, events: null };
  const jobs = await runtime.host.processAvailableJobs({
    maxJobs: cron.maxJobs,
    concurrency: cron.concurrency,
    timeBudgetMs,
  });
  // The tick published one flush; the jobs wrote more events. Publish them now, not next minute.
  const events = await publishEvents(runtime, timeLeftMs());
  return { tick, jobs, events };
}
