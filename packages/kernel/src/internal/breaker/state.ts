/**
 * A circuit breaker's transitions, pure: what an attempt of a guarded stage may do given the
 * breaker's stored state, and the state a failure or a probe's success leaves.
 */
import type { StageBreaker } from "../../dsl/breaker.js";
import type { BreakerRecord, BreakerWrite } from "../../ports/persistence/breakers.js";
import type { StoredError } from "../../records.js";

/** What an attempt of a guarded stage may do. */
export type BreakerGate =
  /** Run as usual (the breaker is closed). */
  | { kind: "run" }
  /** Run as the half-open breaker's probe: its success closes the breaker, its failure re-opens it. */
  | { kind: "probe" }
  /** The breaker lets a probe through: claim the place (in a transaction), then run as the probe. */
  | { kind: "claim" }
  /** Wait: put the job back, available at `until`, without using up its attempt. */
  | { kind: "defer"; until: Date; breaker: BreakerRecord };

/** The probes of a half-open breaker still holding their place at `now`. */
function liveProbes(breaker: BreakerRecord, now: Date): BreakerRecord["probes"] {
  return breaker.probes.filter((p) => p.until.getTime() > now.getTime());
}

/** What job `jobId` may do at `now` under `breaker` (`null`: never written, closed). */
export function gateOf(
  breaker: BreakerRecord | null,
  settings: StageBreaker,
  jobId: string,
  now: Date,
): BreakerGate {
  if (breaker === null || breaker.state === "CLOSED") return { kind: "run" };
  const t = now.getTime();
  if (breaker.state === "OPEN") {
    const at = breaker.halfOpenAt ?? new Date(t);
    return at.getTime() <= t ? { kind: "claim" } : { kind: "defer", until: at, breaker };
  }
  const live = liveProbes(breaker, now);
  if (live.some((p) => p.jobId === jobId)) return { kind: "probe" };
  if (live.length < settings.halfOpenProbes) return { kind: "claim" };
  // Busy probing: tried again when a probe's place frees up, or after another cool-down —
  // whichever comes first (a probe's success closes the breaker long before its place ends).
  const until = Math.min(t + settings.coolDownMs, ...live.map((p) => p.until.getTime()));
  return { kind: "defer", until: new Date(until), breaker };
}

/** The breaker after job `jobId` claimed a probe's place at `now`. */
export function withProbe(
  breaker: BreakerRecord,
  settings: StageBreaker,
  jobId: string,
  now: Date,
): BreakerWrite {
  const probes = liveProbes(breaker, now).filter((p) => p.jobId !== jobId);
  probes.push({ jobId, until: new Date(now.getTime() + settings.probeTimeoutMs) });
  return { ...breaker, state: "HALF_OPEN", probes, updatedAt: now };
}

/** The breaker after a failure at `now`, and whether the failure opened it. */
export function afterFailure(
  breaker: BreakerRecord,
  settings: StageBreaker,
  error: StoredError,
  now: Date,
): { write: BreakerWrite; opened: boolean } {
  const t = now.getTime();
  // Only the failures inside the window count; at most `failureThreshold` of them are kept.
  const failures = breaker.failures
    .filter((f) => f.getTime() > t - settings.windowMs)
    .concat([now])
    .slice(-settings.failureThreshold);
  const lastError = { code: error.code, message: error.message };
  const base: BreakerWrite = { ...breaker, failures, lastError, updatedAt: now };
  const opens =
    breaker.state === "HALF_OPEN" ||
    (breaker.state === "CLOSED" && failures.length >= settings.failureThreshold);
  if (!opens) return { write: base, opened: false };
  return {
    write: {
      ...base,
      state: "OPEN",
      openedAt: now,
      openedFailures: failures.length,
      halfOpenAt: new Date(t + settings.coolDownMs),
      probes: [],
    },
    opened: true,
  };
}

/** The breaker a probe's success closes: no failures counted, no probes. */
export function closed(breaker: BreakerRecord, now: Date): BreakerWrite {
  return {
    ...breaker,
    state: "CLOSED",
    failures: [],
    halfOpenAt: null,
    probes: [],
    updatedAt: now,
  };
}

/** Whether job `jobId`'s success closes `breaker` (it is half-open and the job is a probe). */
export function closesOnSuccess(breaker: BreakerRecord, jobId: string): boolean {
  return breaker.state === "HALF_OPEN" && breaker.probes.some((p) => p.jobId === jobId);
}
