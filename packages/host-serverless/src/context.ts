/**
 * What the host's operations share: resolved options, one heartbeat group and the counters.
 * Internal; tests reach the behaviour through `createServerlessHost`.
 */
import type { HeartbeatGroup } from "@ratchet/host-common";
import type { ResolvedOptions } from "./options.js";
import type { StatsCounter } from "./stats.js";

/** Dependencies of the host's operations. */
export interface HostContext {
  options: ResolvedOptions;
  heartbeats: HeartbeatGroup;
  stats: StatsCounter;
}
