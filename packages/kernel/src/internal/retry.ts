/**
 * Retry back-off of stage attempts.
 */
import { DEFAULT_RETRY, type StageRetryPolicy } from "../dsl/stage.js";

/** Delay before the attempt after `attempt` (1-based): `backoffMs * 2^(attempt-1)`, capped. */
export function retryDelayMs(
  policy: Required<StageRetryPolicy> | undefined,
  attempt: number,
): number {
  const { backoffMs, maxBackoffMs } = policy ?? DEFAULT_RETRY;
  return Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, attempt - 1));
}
