/** A stored error as outbox events carry it. */
import type { JsonObject, StoredError } from "../../records.js";

/**
 * `{ code, message }` of `error`, with its trimmed `stack` when it has one: what
 * `workflow.step.retry` and `workflow.step.failed` carry, so each attempt's error can be read
 * back from the run's events (the stage record keeps only the last).
 */
export function errorPayload(error: StoredError): JsonObject {
  return error.stack === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, stack: error.stack };
}
