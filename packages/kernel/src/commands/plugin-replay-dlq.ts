/**
 * `plugin.replayDLQ`: moves dead-lettered outbox events back so `outbox.flush` tries them again
 * (after the consumer is fixed).
 */
import type { KernelDeps } from "../internal/kernel-deps.js";
import type { PluginReplayDlqCommand, PluginReplayDlqResult } from "./types.js";

/** Handles `plugin.replayDLQ`. */
export async function pluginReplayDlq(
  command: PluginReplayDlqCommand,
  deps: KernelDeps,
): Promise<PluginReplayDlqResult> {
  const replayed = await deps.persistence.replayDeadLetters(
    command.maxEvents ?? 100,
    deps.clock.now(),
  );
  return { replayed };
}
