/** The payloads of circuit-breaker events (`circuit.*`, `workflow.step.deferred`). */
import type { BreakerRecord, BreakerWrite } from "../../ports/persistence/breakers.js";
import type { JsonObject } from "../../records.js";

/** `circuit.opened`, `circuit.half_opened` and `circuit.closed` event types. */
export const CIRCUIT_OPENED = "circuit.opened";
/** See {@link CIRCUIT_OPENED}. */
export const CIRCUIT_HALF_OPENED = "circuit.half_opened";
/** See {@link CIRCUIT_OPENED}. */
export const CIRCUIT_CLOSED = "circuit.closed";
/** A guarded stage's attempt put back while its breaker was open or busy probing. */
export const STEP_DEFERRED = "workflow.step.deferred";

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The breaker's state as an event carries it. */
export function breakerPayload(breaker: BreakerRecord | BreakerWrite): JsonObject {
  return {
    breaker: breaker.name,
    state: breaker.state,
    failures: breaker.failures.length,
    openedAt: iso(breaker.openedAt),
    openedFailures: breaker.openedFailures,
    halfOpenAt: iso(breaker.halfOpenAt),
    lastError: breaker.lastError ? { ...breaker.lastError } : null,
  };
}
