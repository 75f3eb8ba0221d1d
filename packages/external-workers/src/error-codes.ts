/**
 * Every error `code` `@ratchet/external-workers` raises or answers with, as a list and as a
 * union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/** The error codes of `@ratchet/external-workers`, each with when it happens. */
export const EXTERNAL_WORKER_ERROR_CODES = [
  /** HTTP 401: the request had no `Authorization: Bearer <token>` or an unknown token (logged). */
  "UNAUTHORIZED",
  /** HTTP 413: the request body is larger than the gateway's `maxBodyBytes`. */
  "PAYLOAD_TOO_LARGE",
  /** HTTP 400: the body is not JSON, or a field is missing or of the wrong type. */
  "INVALID_REQUEST",
  /** HTTP 400: the request's `protocolVersion` is not one this gateway speaks. */
  "UNSUPPORTED_PROTOCOL_VERSION",
  /** HTTP 404: no such path (or method) in the protocol. */
  "NOT_FOUND",
  /**
   * HTTP 409: the job is not held under this lease token any more — the worker's lease expired
   * (no heartbeat in time) and the job went to another worker, or the attempt ended (cancelled,
   * timed out, the host lost its own lease). The call changed nothing; stop working on the job.
   */
  "LEASE_LOST",
  /** HTTP 500: the gateway failed unexpectedly (logged); retry the call. */
  "INTERNAL",
  /** HTTP 408: the request body did not arrive within `bodyTimeoutMs`. */
  "REQUEST_TIMEOUT",
  /**
   * The gateway's stage runner got an isolated stage that is not external and has no
   * `fallback` runner to hand it to; not retried.
   */
  "STAGE_NOT_EXTERNAL",
  /** `externalStage` or `createExternalWorkerGateway` got an invalid option. */
  "INVALID_GATEWAY_OPTIONS",
  /** The gateway was closed while the attempt waited for, or ran on, an external worker (retried). */
  "GATEWAY_CLOSED",
] as const;

/** One of the {@link EXTERNAL_WORKER_ERROR_CODES}. */
export type ExternalWorkerErrorCode = (typeof EXTERNAL_WORKER_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(EXTERNAL_WORKER_ERROR_CODES);

/** Whether `value` is one of the {@link ExternalWorkerErrorCode}s. */
export function isExternalWorkerErrorCode(value: unknown): value is ExternalWorkerErrorCode {
  return typeof value === "string" && CODES.has(value);
}
