/**
 * The errors of `@ratchet/sqs`. Only option errors are thrown (at construction); failures of
 * SQS calls are reported to the caller's `onError`, never thrown out of `publish` or the
 * consumer loop: the database is the source of truth and the maintenance tick recovers lost
 * messages.
 */
import { RatchetError, type ReadyWork } from "@ratchet/kernel";

/** Prefix of every message `@ratchet/sqs` writes. */
export const PREFIX = "[ratchet] [sqs]";

/** An option of `sqsJobPublisher`, `consumeSqsJobs` or `handleSqsBatch` is invalid. */
export class InvalidSqsOptionsError extends RatchetError {
  constructor(message: string, field: string) {
    super("INVALID_OPTIONS", `${PREFIX} ${message}`, { field });
  }
}

/** Some ready work could not be sent to SQS; the maintenance tick will pick it up. */
export class SqsPublishError extends RatchetError {
  /** The work whose message was not sent. */
  readonly work: readonly ReadyWork[];
  /** SQS's code for the failure (`Failed[].Code`, or the thrown error's name). */
  readonly sqsCode: string;

  constructor(message: string, work: readonly ReadyWork[], sqsCode: string, cause?: unknown) {
    super("PUBLISH_FAILED", `${PREFIX} ${message}`, { cause });
    this.work = work;
    this.sqsCode = sqsCode;
  }
}

/** An SQS call of `consumeSqsJobs` failed (receive, delete, change visibility). */
export class SqsConsumeError extends RatchetError {
  /** The SQS operation that failed. */
  readonly operation: "ReceiveMessage" | "DeleteMessage" | "ChangeMessageVisibility";

  constructor(operation: SqsConsumeError["operation"], cause: unknown) {
    super(
      "CONSUME_FAILED",
      `${PREFIX} ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.operation = operation;
  }
}
