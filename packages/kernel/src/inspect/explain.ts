/**
 * `explainRun`: what a run waits for, in one sentence with the facts — the question operators
 * ask first ("what is this run doing, and why is it stuck?").
 */
import { routeKey } from "../dsl/versioning.js";
import { nextStartAt, startRoom } from "../ports/persistence/flow-limits.js";
import { isTerminalRunStatus } from "../records.js";
import { breakerClause } from "./breaker-wait.js";
import { describeError, formatDuration } from "./event-fields.js";
import {
  type Clause,
  definitionFacts,
  type ExplanationFacts,
  stageClause,
  stagePriority,
  workerThatHas,
} from "./explain-stage.js";
import type { RunInspection, StageView } from "./types.js";

export type { ExplanationFacts } from "./explain-stage.js";

/** {@link explainRun}'s answer. */
export interface Explanation {
  /** One sentence naming what the run waits for (or how it ended), with times and ids. */
  summary: string;
  /**
   * The facts behind it, flat: always `runId`, `status` and `reason` (`ended`, `scheduled`,
   * `debounce`, `rate-limit`, `throttle`, `worker`, `concurrency`, `running`, `lease-expired`, `retry`, `sleep`, `poll`, `signal`,
   * `approval`, `child`, `map`, `dead-letter` or `nothing`), then the reason's own (`stageId`,
   * `attempt`, `workerId`, `heartbeatAgeMs`, `retryAt`, `errorCode`, …).
   */
  facts: ExplanationFacts;
}

/** The clause of a run that ended. */
function endedClause(inspection: RunInspection): Clause {
  const { run } = inspection;
  const at = run.completedAt ?? run.updatedAt;
  const took = run.startedAt
    ? ` after ${formatDuration(at.getTime() - run.startedAt.getTime())}`
    : "";
  const facts: ExplanationFacts = { endedAt: at.toISOString() };
  if (run.status === "COMPLETED")
    return { reason: "ended", text: `completed at ${at.toISOString()}${took}`, facts };
  const error = run.error;
  const stageId = error?.stageId ?? null;
  const failedStage = stageId ? inspection.stages.find((s) => s.stageId === stageId) : undefined;
  const attempts =
    failedStage && failedStage.attempt > 1 ? ` after ${failedStage.attempt} attempts` : "";
  const where = stageId ? ` at stage "${stageId}"${attempts}` : "";
  const compensation =
    run.status === "COMPENSATED"
      ? " (its completed stages were compensated)"
      : run.status === "COMPENSATION_FAILED"
        ? " (a compensation failed: see its compensate: stage)"
        : "";
  const verb =
    run.status === "CANCELLED" || run.error?.code === "CANCELLED"
      ? `was cancelled${compensation}`
      : run.status === "TIMED_OUT"
        ? "timed out"
        : `failed${compensation}`;
  return {
    reason: "ended",
    text: `${verb} at ${at.toISOString()}${took}${where}${error ? `: ${describeError(error)}` : ""}`,
    facts: {
      ...facts,
      stageId,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
    },
  };
}

/** The clause of a run not claimed yet: its key's start rate, a concurrency slot, or a worker. */
function unclaimedClause(inspection: RunInspection, route: string): Clause {
  const { run, concurrency } = inspection;
  // A key's used-up start rate holds the run whoever runs: it comes first.
  const rated = rateClause(inspection);
  if (rated) return rated;
  if (concurrency && concurrency.holders.length > 0) {
    const shown = concurrency.holders.slice(0, 3).join(", ");
    const more =
      concurrency.holders.length > 3 ? ` and ${concurrency.holders.length - 3} more` : "";
    return {
      reason: "concurrency",
      text: `waits for a concurrency slot of key "${concurrency.key}", held by ${concurrency.holders.length} running run(s) (${shown}${more}); then ${workerThatHas(run)} claims it`,
      facts: {
        concurrencyKey: concurrency.key,
        concurrencyHolders: concurrency.holders.join(","),
        ...definitionFacts(run, route),
      },
    };
  }
  return {
    reason: "worker",
    text: `waits to be claimed by ${workerThatHas(run)}; workers claim only runs of definitions they register`,
    facts: { ...definitionFacts(run, route), concurrencyKey: run.concurrencyKey },
  };
}

/** The clause of a pending run whose key's start rate has no room now, if it is one. */
function rateClause(inspection: RunInspection): Clause | null {
  const { run, startRate: state, now } = inspection;
  const rate = state?.rate;
  if (!state || !rate || startRoom(rate, state, now) > 0) return null;
  const key = run.concurrencyKey;
  const next = nextStartAt(rate, state, now).toISOString();
  const facts: ExplanationFacts = { concurrencyKey: key, nextStartAt: next };
  if (!rate.spread)
    return {
      reason: "rate-limit",
      text: `waits for the rate limit of key "${key}": ${state.count} of ${rate.limit} starts per ${formatDuration(rate.periodMs)} used since ${state.at.toISOString()}; the next period starts at ${next}`,
      facts: { ...facts, rateLimit: rate.limit, periodMs: rate.periodMs, starts: state.count },
    };
  return {
    reason: "throttle",
    text: `waits for the throttle of key "${key}": ${rate.limit} starts per ${formatDuration(rate.periodMs)}, spread evenly; the next start is at ${next}`,
    facts: { ...facts, rateLimit: rate.limit, periodMs: rate.periodMs },
  };
}

/** The clause of a scheduled run that a debounced create pushed back, if it is one. */
function debouncedClause(inspection: RunInspection): Clause | null {
  const last = inspection.timeline.filter((e) => e.kind === "workflow.debounced").at(-1);
  if (!last) return null;
  return {
    reason: "debounce",
    text: `is debounced: a create of its key at ${last.at.toISOString()} gave it its input and pushed its start back; another create of the key before it starts does so again`,
    facts: { debouncedAt: last.at.toISOString(), concurrencyKey: inspection.run.concurrencyKey },
  };
}

/** The clause of a running run: its most telling unfinished stage of the current group. */
function runningClause(inspection: RunInspection, route: string): Clause {
  const { run, now } = inspection;
  // A compensating run waits for its compensation (a `compensate:` record), whatever its group.
  const compensating = run.status === "COMPENSATING";
  const active = inspection.stages.filter(
    (s) =>
      (compensating ? s.stageId.startsWith("compensate:") : s.groupIndex === run.currentGroup) &&
      s.state !== "COMPLETED" &&
      s.state !== "FAILED" &&
      s.state !== "CANCELLED" &&
      s.state !== "SKIPPED",
  );
  const first = [...active].sort((a, b) => stagePriority(a) - stagePriority(b))[0];
  if (!first) {
    return {
      reason: "nothing",
      text: `is RUNNING with no stage in progress in group ${run.currentGroup} (run.reapStuck repairs a run left so)`,
      facts: { currentGroup: run.currentGroup },
    };
  }
  const stage =
    breakerClause(inspection.breakers, first, now) ??
    stageClause(run, first, now, inspection.children, route);
  const clause = compensating
    ? {
        ...stage,
        text: `is compensating after ${run.error ? describeError(run.error) : "its failure"}: ${stage.text}`,
      }
    : stage;
  const others = active.filter((s) => s !== first);
  if (others.length === 0) return clause;
  return {
    ...clause,
    text: `${clause.text} (and ${others.length} other stage(s) of the group: ${others.map(describeState).join(", ")})`,
    facts: { ...clause.facts, otherStages: others.map(describeState).join(", ") },
  };
}

/** `"b" RETRY_WAIT`. */
const describeState = (stage: StageView) => `"${stage.stageId}" ${stage.state}`;

/**
 * Explains a run in one sentence with the facts: how it ended (status, stage, error), or what
 * it waits for — to be claimed by a worker that has its workflow and version (workers take
 * only runs of definitions they register), a concurrency slot (and who holds it), a running
 * attempt's lease (worker, last heartbeat; an expired lease that will be reaped), a retry at a
 * time after an error, a sleep, a suspended poll's next check, a signal, an approval, a child
 * run, a map's items, or a dead-lettered outbox event. `now` is the time to measure ages and
 * delays against (usually `inspection.now`).
 *
 * @example
 * ```ts
 * const inspection = await loadRunInspection(queries, runId, new Date());
 * if (inspection) console.log(explainRun(inspection, inspection.now).summary);
 * // Run 0193… waits to retry stage "charge": attempt 2 of 3 at 2025-01-01T10:00:30.000Z
 * // (in 12 s), after attempt 1 failed with TIMEOUT upstream timed out.
 * ```
 */
export function explainRun(inspection: RunInspection, now: Date = inspection.now): Explanation {
  const view = now === inspection.now ? inspection : { ...inspection, now };
  const { run } = view;
  const route = routeKey(run);
  let clause: Clause;
  if (isTerminalRunStatus(run.status)) clause = endedClause(view);
  else if (run.status === "SCHEDULED")
    clause = debouncedClause(view) ?? {
      reason: "scheduled",
      text: run.parentRunId
        ? `is scheduled: an item of run ${run.parentRunId}'s map waiting for a free slot, or a delayed start; no worker takes it before`
        : "is scheduled for a later start; no worker takes it before",
      facts: { parentRunId: run.parentRunId },
    };
  else if (run.status === "PENDING") clause = unclaimedClause(view, route);
  else clause = runningClause(view, route);
  let text = clause.text;
  const facts: ExplanationFacts = {
    runId: run.id,
    status: run.status,
    reason: clause.reason,
    ...clause.facts,
    deadLetters: view.deadLetters.length,
  };
  const dead = view.deadLetters[0];
  if (dead && !isTerminalRunStatus(run.status)) {
    text += `; ${view.deadLetters.length} of its outbox events are dead-lettered (${dead.type} #${dead.sequence}${dead.lastError ? `: ${dead.lastError}` : ""}), replay them with outbox.replayDeadLetters`;
    if (clause.reason === "nothing") facts.reason = "dead-letter";
  } else if (dead) {
    text += `; ${view.deadLetters.length} of its outbox events are dead-lettered (${dead.type} #${dead.sequence})`;
  }
  return { summary: `Run ${run.id} ${text}.`, facts };
}
