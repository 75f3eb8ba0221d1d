/**
 * The EventBridge schedule path (e.g. `rate(1 minute)`): one maintenance tick (claim pending
 * runs, poll suspended stages, release stale leases, publish events), then drain the queue
 * until the Lambda's remaining time, less a margin, is spent. This path alone completes every
 * run; SQS messages only make jobs start sooner.
 */
import type { MaintenanceTickResult, ProcessJobsResult } from "@ratchet/host-serverless";
import type { Context } from "aws-lambda";
import type { Runtime } from "./runtime.js";

/** What a scheduled invocation did (returned, and so logged by Lambda). */
export interface ScheduledResult {
  tick: MaintenanceTickResult;
  jobs: ProcessJobsResult | null;
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
  const timeBudgetMs = context
    ? context.getRemainingTimeInMillis() - cron.marginMs
    : cron.defaultBudgetMs;
  if (timeBudgetMs <= 0) return { tick, jobs: null };
  const jobs = await runtime.host.processAvailableJobs({
    maxJobs: cron.maxJobs,
    concurrency: cron.concurrency,
    timeBudgetMs,
  });
  return { tick, jobs };
}
