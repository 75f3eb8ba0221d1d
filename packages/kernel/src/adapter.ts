/**
 * `@ratchet/kernel/adapter`: what an adapter writer needs — the ports and the records that
 * cross them, the value codec, the reference stage committer (the definition of a completion;
 * see ADR 0001), the run-query cursor helpers, and the errors adapters raise. The conformance
 * suites every adapter should pass are in `@ratchet/kernel/testing`; the in-memory adapters,
 * a reference for each port, in `@ratchet/kernel/in-memory`.
 *
 * @example
 * ```ts
 * import type { JobTransport, Persistence } from "@ratchet/kernel/adapter";
 * import { decodeRunCursor, encodeRunCursor, RatchetError } from "@ratchet/kernel/adapter";
 * ```
 */
export { decodeValue, encodeValue } from "./codec.js";
export { type DefinitionRef, routeKey } from "./dsl/versioning.js";
export { type ErrorCode, isErrorCode, KERNEL_ERROR_CODES } from "./error-codes.js";
export * from "./errors.js";
export type { IdGenerator } from "./internal/ids.js";
export { FAIR_HORIZON_MS, jobOrderAt } from "./job-order.js";
export * from "./ports/index.js";
export {
  stageCommitterFor,
  type TransactionalCommitter,
  transactionalCommitter,
} from "./ports/transactional-committer.js";
export * from "./records.js";
export {
  type AwaitRunEndOptions,
  type AwaitRunOptions,
  awaitRunEnd,
  type EndedRunStatus,
  type RunAwaitPorts,
  type RunResult,
  runResultOf,
} from "./run-result.js";
