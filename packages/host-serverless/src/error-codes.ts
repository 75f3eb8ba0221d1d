/**
 * Every error `code` `@ratchet/host-serverless` raises or reports, as a list and as a union
 * type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/host-serverless`, each with when it happens. A
 * `ReportedError` carries these or the `code` of whatever was thrown (kernel, adapter or host
 * codes: `ErrorCode`, `HostErrorCode`, …).
 */
export const SERVERLESS_HOST_ERROR_CODES = [
  /**
   * An option of `createServerlessHost`, `processAvailableJobs` or `publishEvents` is invalid
   * (thrown).
   */
  "INVALID_OPTIONS",
  /** `handleJob`: the queue message is not a valid job message (reported, not thrown). */
  "INVALID_MESSAGE",
  /** Reported for something thrown without a string `code` of its own. */
  "UNEXPECTED_ERROR",
] as const;

/** One of the {@link SERVERLESS_HOST_ERROR_CODES}: a stable `code` the serverless host uses. */
export type ServerlessHostErrorCode = (typeof SERVERLESS_HOST_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(SERVERLESS_HOST_ERROR_CODES);

/** Whether `value` is one of the {@link ServerlessHostErrorCode}s. */
export function isServerlessHostErrorCode(value: unknown): value is ServerlessHostErrorCode {
  return typeof value === "string" && CODES.has(value);
}
