/**
 * What one stage of a running run waits for, as a clause of {@link explainRun}'s sentence and
 * its facts: a worker, its running attempt's lease, a retry, a sleep, a poll, a signal, an
 * approval, a child run or a map's items.
 */
import { describeDefinition } from "../dsl/versioning.js";
import type { RunRecord } from "../records.js";
import { describeError, formatDuration } from "./event-fields.js";
import type { ChildView, StageView } from "./types.js";

/** The facts of an explanation: flat, JSON-friendly. */
export type ExplanationFacts = Record<string, string | number | boolean | null>;

/** A clause of the sentence with its facts. */
export interface Clause {
  /** What the run waits for, e.g. `retry`, `lease`, `worker` (the `reason` fact). */
  reason: string;
  text: string;
  facts: ExplanationFacts;
}

/** `2025-01-01T10:00:00.000Z (in 30 s)` / `(5 s ago)`. */
export function when(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return `${at.toISOString()} (${ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`})`;
}

/** `attempt 2 of 3` (or `attempt 2` when the limit is unknown). */
function attemptOf(attempt: number, max: number | null): string {
  return max === null ? `attempt ${attempt}` : `attempt ${attempt} of ${max}`;
}

/** `a worker that has workflow "order" at version 1 (fingerprint 3f9c…)`. */
export function workerThatHas(run: RunRecord): string {
  const workflow = `a worker that has workflow "${run.workflowId}"`;
  return run.fingerprint === ""
    ? `${workflow} (any version)`
    : `${workflow} at ${describeDefinition(run)}`;
}

/** Facts naming the definition a worker must register. */
export function definitionFacts(run: RunRecord, route: string): ExplanationFacts {
  return {
    workflowId: run.workflowId,
    workflowVersion: run.workflowVersion,
    fingerprint: run.fingerprint,
    route,
  };
}

/** The clause of a stage whose job is leased (running, or its worker gone). */
function leaseClause(stage: StageView, now: Date): Clause | undefined {
  const lease = stage.lease;
  if (!lease) return undefined;
  const name = `stage "${stage.stageId}" ${attemptOf(stage.attempt, stage.maxAttempts)}`;
  const heartbeat = `last heartbeat ${formatDuration(lease.heartbeatAgeMs)} ago`;
  const facts: ExplanationFacts = {
    stageId: stage.stageId,
    attempt: stage.attempt,
    maxAttempts: stage.maxAttempts,
    workerId: lease.workerId,
    heartbeatAgeMs: lease.heartbeatAgeMs,
    leaseUntil: lease.until.toISOString(),
    leaseExpired: lease.expired,
  };
  if (lease.expired) {
    const expiredMs = now.getTime() - lease.until.getTime();
    return {
      reason: "lease-expired",
      text: `waits on ${name}, whose lease held by worker ${lease.workerId} expired ${formatDuration(expiredMs)} ago (${heartbeat}): the worker is likely gone and the lease will be reaped, the attempt retried`,
      facts: { ...facts, leaseExpiredMs: expiredMs },
    };
  }
  return {
    reason: "running",
    text: `is running ${name} on worker ${lease.workerId} (lease held until ${lease.until.toISOString()}, ${heartbeat})`,
    facts,
  };
}

/** The clause of a suspended stage: a sleep, a poll, or a wait. */
function suspendedClause(stage: StageView, now: Date, children: readonly ChildView[]): Clause {
  const name = `stage "${stage.stageId}"`;
  const base: ExplanationFacts = { stageId: stage.stageId };
  const wait = stage.wait;
  if (stage.suspendedFor === "sleep" && stage.nextCheckAt) {
    return {
      reason: "sleep",
      text: `waits for ${name} to sleep until ${when(stage.nextCheckAt, now)}`,
      facts: { ...base, sleepUntil: stage.nextCheckAt.toISOString() },
    };
  }
  if (!wait) {
    const next = stage.nextCheckAt;
    return {
      reason: "poll",
      text: `waits for ${name}, suspended: ${next ? `next check at ${when(next, now)}` : "no check scheduled"}`,
      facts: { ...base, nextCheckAt: next ? next.toISOString() : null },
    };
  }
  const timeout = wait.timeoutAt ? wait.timeoutAt.toISOString() : null;
  const facts: ExplanationFacts = { ...base, waitKind: wait.kind, timeoutAt: timeout };
  if (wait.resolved) {
    return {
      reason: wait.kind,
      text: `waits for ${name} to resume: its ${wait.kind} wait has ended and it resumes at its next check`,
      facts: { ...facts, resolved: true },
    };
  }
  const until = wait.timeoutAt ? `, timing out at ${when(wait.timeoutAt, now)}` : "";
  if (wait.kind === "child" && wait.childRunId) {
    const status = children.find((c) => c.runId === wait.childRunId)?.status ?? null;
    return {
      reason: "child",
      text: `waits for ${name}'s child run ${wait.childRunId}${status ? ` (${status})` : ""} to end${until}`,
      facts: { ...facts, childRunId: wait.childRunId, childStatus: status },
    };
  }
  if (wait.kind === "map" && wait.map) {
    const { items, ended, concurrency } = wait.map;
    return {
      reason: "map",
      text: `waits for ${name}'s map items: ${ended} of ${items} ended, up to ${concurrency} at a time${until}`,
      facts: { ...facts, items, ended, concurrency },
    };
  }
  if (wait.kind === "approval") {
    const expires = wait.timeoutAt ? `, expiring at ${when(wait.timeoutAt, now)}` : "";
    return {
      reason: "approval",
      text: `waits for an approval of ${name} (decide it with approval.decide or \`ratchet approve\`/\`ratchet reject\`)${expires}`,
      facts: { ...facts, signal: wait.name },
    };
  }
  const key = wait.key === null ? "" : ` with key "${wait.key}"`;
  return {
    reason: "signal",
    text: `waits for signal "${wait.name}"${key} at ${name} (send it with run.signal or \`ratchet signal\`)${until}`,
    facts: { ...facts, signal: wait.name, signalKey: wait.key },
  };
}

/** The clause of one unfinished stage of the current group. */
export function stageClause(
  run: RunRecord,
  stage: StageView,
  now: Date,
  children: readonly ChildView[],
  route: string,
): Clause {
  const name = `stage "${stage.stageId}"`;
  const leased = leaseClause(stage, now);
  if (leased) return leased;
  if (stage.state === "SUSPENDED") return suspendedClause(stage, now, children);
  if (stage.state === "RETRY_WAIT" && stage.nextRetryAt) {
    const failed = [...stage.attempts].reverse().find((a) => a.outcome === "failed");
    const error = failed?.error ?? stage.error;
    const next = attemptOf(stage.attempt + 1, stage.maxAttempts);
    return {
      reason: "retry",
      text: `waits to retry ${name}: ${next} at ${when(stage.nextRetryAt, now)}, after attempt ${stage.attempt} failed with ${error ? describeError(error) : "an error"}`,
      facts: {
        stageId: stage.stageId,
        attempt: stage.attempt,
        maxAttempts: stage.maxAttempts,
        retryAt: stage.nextRetryAt.toISOString(),
        errorCode: error?.code ?? null,
        errorMessage: error?.message ?? null,
      },
    };
  }
  const attempt = stage.nextRetryAt ? stage.attempt + 1 : Math.max(stage.attempt, 1);
  return {
    reason: "worker",
    text: `waits for ${workerThatHas(run)} to take ${name} (${attemptOf(attempt, stage.maxAttempts)}); workers take only the jobs of definitions they register`,
    facts: { stageId: stage.stageId, attempt, ...definitionFacts(run, route) },
  };
}

/**
 * Which stage the sentence is about first (lower first): a lease that expired (a problem), then
 * a running attempt, a queued one, a retry's back-off, a suspension.
 */
export function stagePriority(stage: StageView): number {
  if (stage.lease?.expired) return 0;
  if (stage.lease) return 1;
  if (stage.state === "RETRY_WAIT") return 3;
  if (stage.state === "SUSPENDED") return 4;
  return 2;
}
