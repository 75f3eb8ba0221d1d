/**
 * What `handleJob` returns, and whether the platform should acknowledge the message.
 *
 * | outcome     | meaning                                                              | message |
 * | ----------- | -------------------------------------------------------------------- | ------- |
 * | `completed` | the stage ran and its result is committed                            | ack     |
 * | `suspended` | an async-batch stage suspended; the maintenance tick polls it        | ack     |
 * | `retrying`  | the stage threw; the job is back in the queue, due at `retryAt`      | ack     |
 * | `failed`    | the stage failed for good (its run failed), or the message is invalid | ack     |
 * | `cancelled` | the run was cancelled; nothing was written for the stage             | ack     |
 * | `skipped`   | a duplicate or late message: the job was taken, finished or unknown  | ack     |
 * |             | (or, for `{ pendingRunId }`, no pending run was left to claim)       |         |
 * | `failed` + `ack: false` | an unexpected error (database or transport down)          | retry   |
 *
 * `ack` says it in one boolean. A retried job needs no message of its own: the transport
 * holds it, the next cron tick's `processAvailableJobs` (or another message) runs it.
 */
import type { JobExecuteResult } from "@ratchet/kernel";
import type { ReportedError } from "./errors.js";

/** How a job message was settled. */
export type HandleJobOutcome = JobExecuteResult["outcome"];

/** Result of `handleJob`. */
export interface HandleJobResult {
  outcome: HandleJobOutcome;
  /**
   * Whether the platform should acknowledge (delete) the message. False only for unexpected
   * errors (database or transport unreachable): retrying the message may then succeed.
   */
  ack: boolean;
  jobId?: string;
  workflowRunId?: string;
  stageId?: string;
  /** Why the message was skipped (`skipped`) or what happened to it. */
  reason?: string;
  /** When a `retrying` job is due again. */
  retryAt?: Date;
  /**
   * For a `skipped` job that is not due yet: when it is. The message was early (a queue that
   * cannot delay); a consumer that can delay a redelivery (NATS `nak(delay)`, Cloudflare
   * `retry({ delaySeconds })`) may hand it back until then instead of acknowledging it — else
   * the maintenance tick runs the job once due.
   */
  notBefore?: Date;
  /** The stage's error (`failed`, `retrying`), an invalid message, or an unexpected error. */
  error?: ReportedError;
}

/** Maps the kernel's `job.execute` result to a {@link HandleJobResult}. */
export function fromExecuteResult(jobId: string, result: JobExecuteResult): HandleJobResult {
  const base = {
    ack: true,
    jobId,
    workflowRunId: result.workflowRunId,
    stageId: result.stageId,
  };
  switch (result.outcome) {
    case "completed":
    case "suspended":
    case "cancelled":
      return { outcome: result.outcome, ...base };
    case "retrying":
      return { outcome: "retrying", ...base, retryAt: result.retryAt, error: result.error };
    case "failed":
      return { outcome: "failed", ...base, error: result.error };
    case "skipped":
      return { outcome: "skipped", ...base, reason: result.reason };
  }
}

/** The result of a message that could not be handled because something threw. */
export function unexpectedFailure(error: ReportedError, jobId?: string): HandleJobResult {
  return { outcome: "failed", ack: false, ...(jobId === undefined ? {} : { jobId }), error };
}
