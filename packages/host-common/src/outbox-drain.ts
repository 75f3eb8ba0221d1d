/**
 * Draining the outbox: a host publishes again at once after a flush that came back full, so
 * under load events go out as fast as stages make them (the Node host's flush after finished
 * jobs, the serverless host's `publishEvents`).
 */
import {
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  type OutboxFlushCommand,
  type OutboxFlushResult,
} from "@ratchet/kernel";

/**
 * Whether `result` handled as many events as `command` may publish, so more are likely waiting
 * and the next flush should follow at once.
 */
export function outboxFlushWasFull(
  command: OutboxFlushCommand,
  result: OutboxFlushResult,
): boolean {
  const handled = result.published + result.failed + result.deadLettered;
  return handled >= (command.maxEvents ?? DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK);
}
