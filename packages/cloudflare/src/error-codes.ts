/**
 * Every error `code` `@ratchet/cloudflare` raises or reports, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/cloudflare`, each with when it happens. A report of
 * `handleQueueBatch` may also carry the serverless host's codes (`ServerlessHostErrorCode`)
 * or whatever the storage threw.
 */
export const CLOUDFLARE_ERROR_CODES = [
  /** An option of `queueJobPublisher` or `handleQueueBatch` is invalid (thrown). */
  "INVALID_OPTIONS",
  /** `queueJobPublisher`: a `sendBatch` call failed (reported to `onError`; `publish` rejects). */
  "QUEUE_SEND_FAILED",
  /** `handleQueueBatch`: a message body is text that is not JSON (reported, acked). */
  "INVALID_MESSAGE",
  /** `handleQueueBatch`: something threw without a string `code` of its own (reported). */
  "UNEXPECTED_ERROR",
] as const;

/** One of the {@link CLOUDFLARE_ERROR_CODES}: a stable `code` this package uses. */
export type CloudflareErrorCode = (typeof CLOUDFLARE_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(CLOUDFLARE_ERROR_CODES);

/** Whether `value` is one of the {@link CloudflareErrorCode}s. */
export function isCloudflareErrorCode(value: unknown): value is CloudflareErrorCode {
  return typeof value === "string" && CODES.has(value);
}
