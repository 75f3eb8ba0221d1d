/**
 * Stages deferred by a circuit breaker, as an inspection shows them: a stage whose last event
 * is `workflow.step.deferred` waits for the breaker it names, while that breaker is not closed
 * (its state read through `RunQueries.getBreaker`).
 */
import type { RunDetails, RunQueries } from "../ports/run-queries.js";
import type { OutboxRecord } from "../records.js";
import { type Clause, when } from "./explain-stage.js";
import type { BreakerWaitView, StageView } from "./types.js";

const date = (value: unknown): Date | null =>
  typeof value === "string" && value !== "" ? new Date(value) : null;

/**
 * The breaker waits of a run's pending stages, from its events and the breakers' rows; none
 * when `queries` offers no `getBreaker`.
 */
export async function breakerWaitsOf(
  queries: RunQueries,
  details: RunDetails,
  events: readonly OutboxRecord[],
): Promise<BreakerWaitView[]> {
  if (!queries.getBreaker) return [];
  const last = new Map<string, OutboxRecord>();
  for (const event of events) {
    const stageId = event.payload.stageId;
    if (typeof stageId === "string" && event.type.startsWith("workflow.step."))
      last.set(stageId, event);
  }
  const waits: BreakerWaitView[] = [];
  for (const stage of details.stages) {
    const event = last.get(stage.stageId);
    if (stage.status !== "PENDING" || event?.type !== "workflow.step.deferred") continue;
    const name = event.payload.breaker;
    if (typeof name !== "string") continue;
    const breaker = await queries.getBreaker(name);
    if (!breaker || breaker.state === "CLOSED") continue;
    waits.push({
      stageId: stage.stageId,
      breaker: name,
      state: breaker.state,
      openedAt: breaker.openedAt,
      openedFailures: breaker.openedFailures,
      halfOpenAt: breaker.halfOpenAt,
      until: date(event.payload.until),
    });
  }
  return waits;
}

/** The clause of a stage deferred by its breaker, or `undefined` when it is not. */
export function breakerClause(
  waits: readonly BreakerWaitView[] | undefined,
  stage: StageView,
  now: Date,
): Clause | undefined {
  const wait = waits?.find((w) => w.stageId === stage.stageId);
  if (!wait || stage.lease) return undefined;
  const since = wait.openedAt ? wait.openedAt.toISOString() : "?";
  const halfOpen = wait.halfOpenAt ? when(wait.halfOpenAt, now) : "?";
  const text =
    wait.state === "OPEN"
      ? `waits for circuit breaker "${wait.breaker}" at stage "${stage.stageId}": waiting for circuit breaker "${wait.breaker}" (open since ${since} after ${wait.openedFailures} failures, half-open at ${halfOpen})`
      : `waits for circuit breaker "${wait.breaker}" at stage "${stage.stageId}": half-open, a probe is being tried${wait.until ? `; the stage is tried again at ${when(wait.until, now)}` : ""}`;
  return {
    reason: "circuit-breaker",
    text,
    facts: {
      stageId: stage.stageId,
      breaker: wait.breaker,
      breakerState: wait.state,
      openedAt: wait.openedAt ? wait.openedAt.toISOString() : null,
      openedFailures: wait.openedFailures,
      halfOpenAt: wait.halfOpenAt ? wait.halfOpenAt.toISOString() : null,
      deferredUntil: wait.until ? wait.until.toISOString() : null,
    },
  };
}
