/**
 * `@ratchet/host-node`: Ratchet's long-running Node worker host.
 */
export { createNodeHost, type NodeHost, type NodeHostStats } from "./host.js";
export type { HostLogger, NodeHostOptions, WakeupKind, WakeupSource } from "./options.js";
