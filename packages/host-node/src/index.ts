/**
 * `@ratchet/host-node`: Ratchet's long-running Node worker host.
 */
export {
  isNodeHostErrorCode,
  NODE_HOST_ERROR_CODES,
  type NodeHostErrorCode,
} from "./error-codes.js";
export { createNodeHost, type NodeHost, type NodeHostStats } from "./host.js";
export {
  createIsolatedStageRunner,
  type IsolatedStageRunner,
  type IsolatedStageRunnerOptions,
} from "./isolation/runner.js";
export type { HostLogger, NodeHostOptions, WakeupKind, WakeupSource } from "./options.js";
