/**
 * The Lambda entry point (`handler.handler`). One function serves two triggers:
 *
 * - an **SQS** event source mapping (with `ReportBatchItemFailures`): each record is a job
 *   message → `host.handleJob`; the response lists the records to retry; then the events the
 *   batch wrote are published (`host.publishEvents`, 1 s);
 * - an **EventBridge** schedule: maintenance tick, then `processAvailableJobs` within the time
 *   left, then `host.publishEvents` within what is still left.
 *
 * The kernel and its database connection are built once per container, lazily, in module
 * scope, and reused by every invocation the container serves. By default they run on
 * PostgreSQL at `DATABASE_URL`; tests inject their own with `setRuntimeFactory`.
 *
 * Who sends the job messages: the kernel itself, after each commit, through the SQS publisher
 * `RATCHET_JOB_QUEUE_URL` names (src/publisher.ts; docs/hosts.md, "After-commit publishing and
 * SQS"). Without it, the schedule alone runs every job, a minute apart at worst.
 */
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { isScheduledEvent, isSqsEvent } from "./events.js";
import { postgresRuntime, type Runtime } from "./runtime.js";
import { handleScheduledEvent, type ScheduledResult } from "./scheduled.js";
import { handleSqsEvent } from "./sqs.js";

let factory: () => Promise<Runtime> = postgresRuntime;
let runtime: Promise<Runtime> | undefined;

/**
 * Replaces how the container's runtime is built (tests: SQLite or in-memory ports). Closes
 * the current runtime, if any; the next invocation builds a new one.
 */
export async function setRuntimeFactory(next: () => Promise<Runtime>): Promise<void> {
  const current = runtime;
  runtime = undefined;
  factory = next;
  if (current) await (await current.catch(() => undefined))?.close();
}

/** The container's runtime, built on first use; a failed build is retried next time. */
export function getRuntime(): Promise<Runtime> {
  runtime ??= factory().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** The Lambda handler. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: ScheduledEvent, context?: Context): Promise<ScheduledResult>;
export async function handler(
  event: SQSEvent | ScheduledEvent,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<SQSBatchResponse | ScheduledResult>;
export async function handler(
  event: SQSEvent | ScheduledEvent,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<SQSBatchResponse | ScheduledResult> {
  if (isSqsEvent(event)) {
    // If the database is unreachable this throws and Lambda retries the whole batch.
    return handleSqsEvent(await getRuntime(), event, context);
  }
  if (isScheduledEvent(event)) return handleScheduledEvent(await getRuntime(), context);
  throw new Error(
    "[ratchet] [serverless] [lambda] unsupported event: expected an SQS batch or an EventBridge scheduled event",
  );
}
