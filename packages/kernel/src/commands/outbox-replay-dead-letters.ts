/**
 * `outbox.replayDeadLetters`: moves dead-lettered outbox events back so `outbox.flush` tries
 * them again (after the consumer is fixed).
 */
import { z } from "zod";
import type { KernelDeps } from "../internal/kernel-deps.js";
import { defineCommand } from "./command.js";
import { id, isId, isPositiveInt, optional, positiveInt } from "./fields.js";

/** Moves dead-lettered outbox events back for another try. */
export interface OutboxReplayDeadLettersCommand {
  type: "outbox.replayDeadLetters";
  /** Most events to replay (default 100). */
  maxEvents?: number;
  /** Replay only this run's dead-lettered events (default: every run's, oldest first). */
  workflowRunId?: string;
}

/** Result of `outbox.replayDeadLetters`. */
export interface OutboxReplayDeadLettersResult {
  replayed: number;
}

/** @deprecated The old name of `outbox.replayDeadLetters`; dispatch that instead. */
export interface PluginReplayDlqCommand {
  type: "plugin.replayDLQ";
  /** Most events to replay (default 100). */
  maxEvents?: number;
}

/** Handles `outbox.replayDeadLetters`. */
export async function outboxReplayDeadLetters(
  command: { maxEvents?: number; workflowRunId?: string },
  deps: KernelDeps,
): Promise<OutboxReplayDeadLettersResult> {
  const replayed = await deps.persistence.replayDeadLetters(
    command.maxEvents ?? 100,
    deps.clock.now(),
    command.workflowRunId,
  );
  return { replayed };
}

/** `outbox.replayDeadLetters`: its schema, fast check and handler. */
export const outboxReplayDeadLettersModule = defineCommand<
  OutboxReplayDeadLettersCommand,
  OutboxReplayDeadLettersResult
>({
  type: "outbox.replayDeadLetters",
  schema: z.object({
    type: z.literal("outbox.replayDeadLetters"),
    maxEvents: positiveInt.optional(),
    workflowRunId: id.optional(),
  }),
  isWellFormed: (c) => optional(c.maxEvents, isPositiveInt) && optional(c.workflowRunId, isId),
  handle: outboxReplayDeadLetters,
});

/**
 * `plugin.replayDLQ`, the old name of `outbox.replayDeadLetters`, still accepted so stored
 * schedules and scripts keep working.
 *
 * @deprecated Dispatch `outbox.replayDeadLetters`.
 */
export const pluginReplayDlqModule = defineCommand<
  PluginReplayDlqCommand,
  OutboxReplayDeadLettersResult
>({
  type: "plugin.replayDLQ",
  schema: z.object({ type: z.literal("plugin.replayDLQ"), maxEvents: positiveInt.optional() }),
  isWellFormed: (c) => optional(c.maxEvents, isPositiveInt),
  handle: outboxReplayDeadLetters,
});
