/**
 * What to do with one SQS message once the serverless host has handled it — shared by the
 * Lambda batch handler and the long-polling consumer, which differ only in how they act on it.
 */
import type { HandleJobResult, ServerlessHost } from "@ratchet/host-serverless";

/** A log line `@ratchet/sqs` writes (one JSON object per line suits CloudWatch). */
export interface SqsLogEntry {
  level: "info" | "warn" | "error";
  message: string;
  [key: string]: unknown;
}

/** Where log lines go. */
export type SqsLog = (entry: SqsLogEntry) => void;

/**
 * The verdict on one message:
 * - `delete`: settled (ran, skipped, or a body that will never parse: retrying cannot help);
 * - `retry`: something unexpected failed (the database is unreachable): deliver it again;
 * - `delay`: the work is not due before `until`: deliver it again then.
 */
export type Settlement =
  | { action: "delete"; result?: HandleJobResult }
  | { action: "retry"; result?: HandleJobResult }
  | { action: "delay"; until: Date; result: HandleJobResult };

/** The host's part this package uses. */
export type JobHandler = Pick<ServerlessHost, "handleJob">;

/** Parses `body` and hands it to `host.handleJob`; never throws. */
export async function settleMessage(
  host: JobHandler,
  body: string | undefined,
  messageId: string | undefined,
  log: SqsLog,
): Promise<Settlement> {
  let message: unknown;
  try {
    message = JSON.parse(body ?? "");
  } catch {
    // A body that is not JSON never will be: report it and delete it (retrying would only
    // bounce it until the redrive policy moves it to the dead-letter queue).
    log({
      level: "error",
      message: "job message is not JSON; dropped",
      messageId,
      body: (body ?? "").slice(0, 200),
    });
    return { action: "delete" };
  }
  let result: HandleJobResult;
  try {
    result = await host.handleJob(message);
  } catch (error) {
    // handleJob settles every message; should it throw all the same, only this one retries.
    log({
      level: "error",
      message: "handling the job message threw; it will be retried",
      messageId,
      error: String(error),
    });
    return { action: "retry" };
  }
  if (result.error?.code === "INVALID_MESSAGE") {
    // A well-formed JSON body that is not a job message would never succeed either.
    log({
      level: "error",
      message: "invalid job message; dropped",
      messageId,
      error: result.error,
    });
  } else if (!result.ack) {
    log({
      level: "warn",
      message: "job message will be retried",
      messageId,
      jobId: result.jobId,
      error: result.error,
    });
    return { action: "retry", result };
  }
  if (result.notBefore !== undefined) return { action: "delay", until: result.notBefore, result };
  return { action: "delete", result };
}
