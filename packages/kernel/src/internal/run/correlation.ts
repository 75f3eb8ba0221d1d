/**
 * Correlation ids of what the kernel schedules for a run. Every entry of a run starts with its
 * prefix, so ending a run early can drop them all at once.
 */

/** The correlation-id prefix of everything the kernel schedules for a run. */
export function runCorrelationPrefix(runId: string): string {
  return `run:${runId}`;
}

/** The scheduled command that ends a run still going after its workflow's `timeoutMs`. */
export const RUN_TIMEOUT_COMMAND = "run.timeout";

/** Correlation id of a run's timeout entry. */
export function timeoutCorrelationId(runId: string): string {
  return `${runCorrelationPrefix(runId)}:timeout`;
}

/** The scheduled command that releases a delayed run (`SCHEDULED` → `PENDING`). */
export const RUN_START_COMMAND = "run.start";

/** Correlation id of a delayed run's start entry. */
export function startCorrelationId(runId: string): string {
  return `${runCorrelationPrefix(runId)}:start`;
}
