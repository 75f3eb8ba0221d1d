/**
 * Every error `code` `@ratchet/host-node` raises, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/**
 * The error codes of `@ratchet/host-node`, each with when it happens. Jobs it runs can also
 * fail with the codes of `@ratchet/host-common` (`HostErrorCode`, e.g. `STAGE_TIMEOUT`) and of
 * the kernel (`ErrorCode`).
 */
export const NODE_HOST_ERROR_CODES = [
  /** `createNodeHost`: no kernel or job transport, or a bad number option (e.g. `leaseMs` <= 0). */
  "INVALID_HOST_OPTIONS",
  /**
   * An isolated stage's child process or thread ended without a result: a non-zero exit, a
   * signal, out of memory (`memoryMb`), or `process.exit` in the stage. Fails the attempt only
   * (retried as configured); the message names the exit code or signal.
   */
  "ISOLATED_STAGE_CRASHED",
  /** An isolated stage ran past its `isolation.timeoutMs`: its child was killed (retried). */
  "ISOLATED_STAGE_TIMEOUT",
  /**
   * An isolated stage names no module for its child to import, and the runner has none for
   * its workflow (`createIsolatedStageRunner({ module })`); not retried.
   */
  "ISOLATED_STAGE_MODULE_UNKNOWN",
  /** `createIsolatedStageRunner` got an invalid option (e.g. `killGraceMs` below 0). */
  "INVALID_RUNNER_OPTIONS",
] as const;

/** One of the {@link NODE_HOST_ERROR_CODES}: a stable `code` the Node host raises. */
export type NodeHostErrorCode = (typeof NODE_HOST_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(NODE_HOST_ERROR_CODES);

/** Whether `value` is one of the {@link NodeHostErrorCode}s. */
export function isNodeHostErrorCode(value: unknown): value is NodeHostErrorCode {
  return typeof value === "string" && CODES.has(value);
}
