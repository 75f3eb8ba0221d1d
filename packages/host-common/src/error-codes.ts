/**
 * Every error `code` `@ratchet/host-common` raises or reports, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/host-common` (and so of every host built on it), each with when
 * it happens. The kernel's own codes (`ErrorCode` of `@ratchet/kernel`) pass through unchanged,
 * among them `DUTY_FAILED`, which `runMaintenanceTick` reports for a duty that threw without a
 * `code` of its own (the kernel's `runDuties` names it).
 */
export const HOST_ERROR_CODES = [
  /** `executeJob`: a stage ran past its job's `timeoutMs`; the attempt fails with it (retried). */
  "STAGE_TIMEOUT",
  /** `HeartbeatGroup`: a heartbeat found this worker no longer holds the job's lease (abort). */
  "LEASE_LOST",
  /** `HeartbeatGroup`: a heartbeat found the job's run cancelled or ended (abort reason). */
  "RUN_CANCELLED",
  /** `createApprovalWebhook`: options it cannot work with (no kernel, an empty secret …). */
  "INVALID_OPTIONS",
  /** Approval webhook, 405: the request is not a POST. */
  "METHOD_NOT_ALLOWED",
  /** Approval webhook, 413: the body is larger than `maxBodyBytes` (64 KiB by default). */
  "BODY_TOO_LARGE",
  /** Approval webhook, 401: no credentials, a wrong secret, a bad signature or a stale timestamp. */
  "UNAUTHORIZED",
  /** Approval webhook, 400: the body is not a JSON decision (with `issues`). */
  "INVALID_BODY",
  /** Approval webhook, 500: an unexpected failure (its cause goes to `onError` only). */
  "INTERNAL_ERROR",
] as const;

/** One of the {@link HOST_ERROR_CODES}: a stable `code` a host raises or reports. */
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(HOST_ERROR_CODES);

/** Whether `value` is one of the {@link HostErrorCode}s. */
export function isHostErrorCode(value: unknown): value is HostErrorCode {
  return typeof value === "string" && CODES.has(value);
}
