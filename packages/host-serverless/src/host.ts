/**
 * `createServerlessHost`: Ratchet in a function that lives for one invocation at a time (AWS
 * Lambda, Cloudflare Workers, Vercel, Deno Deploy). It owns no loop: a queue message calls
 * `handleJob`, a cron trigger calls `runMaintenanceTick` then `processAvailableJobs`, and
 * either then calls `publishEvents` to drain the outbox.
 * Platform-neutral: it uses no Node built-ins.
 */
import {
  HeartbeatGroup,
  type MaintenanceTickResult,
  runMaintenanceTick,
} from "@ratchet/host-common";
import type { HostContext } from "./context.js";
import { handleJob } from "./handle-job.js";
import { resolveOptions, type ServerlessHostOptions } from "./options.js";
import {
  type ProcessJobsOptions,
  type ProcessJobsResult,
  processAvailableJobs,
} from "./process-jobs.js";
import {
  type PublishEventsOptions,
  type PublishEventsResult,
  publishEvents,
} from "./publish-events.js";
import type { HandleJobResult } from "./result.js";
import { type ServerlessHostStats, StatsCounter } from "./stats.js";

/** A serverless host; make one per container/isolate, in module scope. */
export interface ServerlessHost {
  readonly workerId: string;
  /**
   * Handles one queue message naming a job (`{ jobId }`, optionally with the rest of the
   * job). Never throws; `result.ack` says whether to acknowledge the message.
   */
  handleJob(message: unknown): Promise<HandleJobResult>;
  /** Dequeues and runs available jobs (for a cron trigger, after the maintenance tick). */
  processAvailableJobs(options: ProcessJobsOptions): Promise<ProcessJobsResult>;
  /**
   * Runs every periodic duty once, the kernel's list in its order: claim pending runs, poll
   * suspended stages, release stale leases, repair stuck runs, fire due schedules, replay dead
   * letters (only with `replayDeadLettersPerTick`), publish the outbox. A failing duty is
   * reported in `failures` and does not stop the others.
   */
  runMaintenanceTick(): Promise<MaintenanceTickResult>;
  /**
   * Publishes outbox events: runs `outbox.flush` (`maxOutboxFlushPerTick` events, as the tick
   * does) again at once while the last flush came back full, starting none after
   * `timeBudgetMs` (default 2 s). Call it after a queue batch and after the cron path's jobs:
   * the tick alone publishes one flush per tick, and a parent learns of its child's end only
   * from the child's published end event. Never throws for a failing flush: a rejected event
   * is counted in `failed` (and retried later), a flush that threw is reported in `errors`.
   * Throws `INVALID_OPTIONS` for an invalid option.
   *
   * @example
   * ```ts
   * const published = await host.publishEvents({ timeBudgetMs: 1_000 });
   * if (published.errors.length > 0) console.warn(published.errors);
   * ```
   */
  publishEvents(options?: PublishEventsOptions): Promise<PublishEventsResult>;
  /** Counters since this host was created. */
  getStats(): ServerlessHostStats;
}

/**
 * Creates a serverless host over a kernel and its job transport. Throws `INVALID_OPTIONS`
 * (naming the field) when an option is invalid.
 *
 * @example
 * ```ts
 * const host = createServerlessHost({ kernel, jobTransport: stack.jobTransport, workerId });
 * const result = await host.handleJob(JSON.parse(record.body));
 * if (!result.ack) failures.push({ itemIdentifier: record.messageId });
 * ```
 */
export function createServerlessHost(options: ServerlessHostOptions): ServerlessHost {
  const resolved = resolveOptions(options);
  const stats = new StatsCounter();
  const heartbeats = new HeartbeatGroup(
    resolved.kernel,
    resolved.workerId,
    resolved.leaseMs,
    resolved.heartbeatIntervalMs,
    () => {
      stats.heartbeatErrors++;
    },
  );
  const ctx: HostContext = { options: resolved, heartbeats, stats };
  return {
    workerId: resolved.workerId,
    handleJob: (message) => handleJob(ctx, message),
    processAvailableJobs: (processOptions) => processAvailableJobs(ctx, processOptions),
    runMaintenanceTick: async () => {
      const result = await runMaintenanceTick(resolved.kernel, resolved.maintenance);
      stats.maintenanceTicks++;
      stats.eventsPublished += result.eventsFlushed;
      stats.eventsFailed += result.eventsFailed;
      return result;
    },
    publishEvents: (publishOptions) => publishEvents(ctx, publishOptions),
    getStats: () => stats.snapshot(resolved.workerId, heartbeats.beats),
  };
}
