/**
 * Job publisher (optional port): after-commit publishing of ready work to a message queue.
 *
 * Hosts that own no polling loop (AWS Lambda behind SQS, Cloudflare Workers behind Queues,
 * workers fed by a broker such as NATS JetStream) learn of new work from messages. With a
 * publisher in `KernelConfig.jobPublisher`, every command that commits work tells it, **after
 * the commit**, what became ready:
 *
 * - `job`: a stage job that can be claimed (`JobTransport.claimJob`) at `availableAt` — a new
 *   job, a retry, a lease released by `lease.reapStale`, a job a circuit breaker deferred;
 * - `run`: a run that became `PENDING` (created, started after a delay, a released child): it
 *   has no job yet; a host claims it with `run.claimPending`.
 *
 * The database stays the source of truth: a message is only a wake-up. A publish that fails or
 * never happens (the process died right after the commit) is recovered by the maintenance tick
 * (`run.claimPending`, `processAvailableJobs`), and a duplicate message finds the work taken and
 * is skipped, harmlessly. So `publish` is best effort: the kernel awaits it (a serverless
 * invocation may freeze once it returns) and ignores its rejection — log inside the publisher.
 *
 * Work leased to the committing worker itself (`NewJob.claimedBy`) is never published.
 * Run `jobPublisherConformance` from `@ratchet/kernel/testing` against your publisher.
 */
import type { JsonObject } from "../records.js";

/** A stage job that can be claimed from `availableAt` on. */
export interface ReadyJob {
  kind: "job";
  jobId: string;
  workflowRunId: string;
  /**
   * The route key of the run's definition (see `NewJob.route`); absent when the committing
   * command did not read it (a lease released by `lease.reapStale`).
   */
  route?: string;
  priority: number;
  /** Not claimable before this time (a retry's or a deferral's); publishers may delay the message. */
  availableAt: Date;
}

/** A run that became `PENDING`: a host should claim it (`run.claimPending`). */
export interface PendingRun {
  kind: "run";
  workflowRunId: string;
  /** The route key of the run's definition. */
  route: string;
  priority: number;
  availableAt: Date;
}

/** What became ready after a commit. */
export type ReadyWork = ReadyJob | PendingRun;

/** Publishes ready work to a message queue; see the module comment. */
export interface JobPublisher {
  /**
   * Called after each commit that made work ready, with all of it (never empty). Best effort:
   * a rejection is ignored by the kernel (the maintenance tick recovers lost work).
   */
  publish(work: readonly ReadyWork[]): Promise<void>;
}

/**
 * The message body for one unit of ready work: `{ "jobId": … }` for a job (what
 * `ServerlessHost.handleJob` claims), `{ "pendingRunId": … }` for a pending run; with
 * `"notBefore": ISO time` when the work is due after `now` (a consumer that can delay a
 * redelivery — NATS `nak(delay)`, Cloudflare `retry({ delaySeconds })` — waits until then).
 *
 * @example
 * ```ts
 * await queue.sendBatch(work.map((w) => ({ body: readyWorkMessage(w, new Date()) })));
 * ```
 */
export function readyWorkMessage(work: ReadyWork, now?: Date): JsonObject {
  const body: JsonObject =
    work.kind === "job" ? { jobId: work.jobId } : { pendingRunId: work.workflowRunId };
  if (now !== undefined && work.availableAt.getTime() > now.getTime())
    body.notBefore = work.availableAt.toISOString();
  return body;
}

/**
 * Seconds a message for `work` should be delayed so it arrives when the work is due (0 when it
 * is due at `now`), rounded up, capped at `maxSeconds` (the queue's limit: SQS 900, Cloudflare
 * Queues 43 200). Work due later than the cap arrives early; its host skips it and the
 * maintenance tick picks it up.
 */
export function publishDelaySeconds(work: ReadyWork, now: Date, maxSeconds: number): number {
  const ms = work.availableAt.getTime() - now.getTime();
  if (!(ms > 0)) return 0;
  return Math.min(Math.ceil(ms / 1000), maxSeconds);
}
