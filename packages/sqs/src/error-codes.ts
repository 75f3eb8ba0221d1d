/**
 * Every error `code` `@ratchet/sqs` raises or reports, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/** The error codes of `@ratchet/sqs`, each with when it happens. */
export const SQS_ERROR_CODES = [
  /** An option of `sqsJobPublisher`, `consumeSqsJobs` or `handleSqsBatch` is invalid (thrown). */
  "INVALID_OPTIONS",
  /** `sqsJobPublisher`: some ready work could not be sent (reported to `onError`, not thrown). */
  "PUBLISH_FAILED",
  /** `consumeSqsJobs`: an SQS call of the consumer failed (reported to `onError`, not thrown). */
  "CONSUME_FAILED",
] as const;

/** One of the {@link SQS_ERROR_CODES}: a stable `code` `@ratchet/sqs` uses. */
export type SqsErrorCode = (typeof SQS_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(SQS_ERROR_CODES);

/** Whether `value` is one of the {@link SqsErrorCode}s. */
export function isSqsErrorCode(value: unknown): value is SqsErrorCode {
  return typeof value === "string" && CODES.has(value);
}
