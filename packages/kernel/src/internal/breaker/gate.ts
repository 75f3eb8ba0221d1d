/**
 * The check `job.execute` makes before it runs a stage guarded by a circuit breaker: one read
 * of the breaker's row (never cached: a breaker opened by another worker defers the very next
 * attempt). A closed breaker lets the attempt run; an open one defers it — the job is put back
 * available when the breaker may half-open, its attempt not used up, and the run records a
 * `workflow.step.deferred` event (what `explainRun` reads); a breaker ready to half-open lets
 * `halfOpenProbes` attempts through as probes, claimed in a transaction.
 */
import type { StageBreaker } from "../../dsl/breaker.js";
import { routeKey } from "../../dsl/versioning.js";
import type { StageCommitter } from "../../ports/stage-committer.js";
import type { DequeuedJob, RunRecord } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import { commitRun, inTransaction } from "../tx/unit-of-work.js";
import { breakerPayload, CIRCUIT_HALF_OPENED, STEP_DEFERRED } from "./events.js";
import { probeCommitter } from "./record.js";
import { type BreakerGate, gateOf, withProbe } from "./state.js";

/** What the attempt does: run (a probe commits through `committer`), or was deferred. */
export type BreakerPass =
  | { kind: "run"; committer?: StageCommitter }
  | { kind: "deferred"; until: Date; reason: string };

/** Claims a probe's place, under the run's and the breaker's row locks. */
function claimProbe(
  deps: KernelDeps,
  run: RunRecord,
  stageId: string,
  settings: StageBreaker,
  jobId: string,
): Promise<BreakerGate> {
  return inTransaction(deps, async (uow) => {
    // The run first, then the breaker: the order every breaker write takes its locks in.
    const locked = await uow.tx.getRun(run.id, { forUpdate: true });
    const breaker = await uow.tx.lockBreaker(settings.name, uow.now);
    const gate = gateOf(breaker, settings, jobId, uow.now);
    if (gate.kind !== "claim") return gate;
    const next = withProbe(breaker, settings, jobId, uow.now);
    await uow.tx.saveBreaker(next);
    if (breaker.state === "OPEN" && locked?.status === "RUNNING") {
      uow.event(locked, CIRCUIT_HALF_OPENED, { ...breakerPayload(next), stageId, jobId });
      await commitRun(uow, locked, {});
    }
    return { kind: "probe" };
  });
}

/** Puts the job back, available at `until` (its attempt not used up), with the run's event. */
async function defer(
  deps: KernelDeps,
  job: DequeuedJob,
  workerId: string,
  run: RunRecord,
  gate: Extract<BreakerGate, { kind: "defer" }>,
): Promise<void> {
  await inTransaction(deps, async (uow) => {
    const locked = await uow.tx.getRun(run.id, { forUpdate: true });
    // `release` makes the job available at the time it is given: the breaker's.
    await uow.jobs((scope) => deps.jobTransport.release(job.jobId, workerId, gate.until, scope));
    uow.ready({
      kind: "job",
      jobId: job.jobId,
      workflowRunId: job.workflowRunId,
      route: routeKey(run),
      priority: job.priority,
      availableAt: gate.until,
    });
    if (locked?.status !== "RUNNING") return;
    uow.event(locked, STEP_DEFERRED, {
      ...breakerPayload(gate.breaker),
      stageId: job.stageId,
      attempt: job.attempt,
      until: gate.until.toISOString(),
      workerId,
    });
    await commitRun(uow, locked, {});
  });
}

/** Checks the stage's breaker before its attempt runs (see the module comment). */
export async function passBreaker(
  deps: KernelDeps,
  job: DequeuedJob,
  workerId: string,
  run: RunRecord,
  settings: StageBreaker,
): Promise<BreakerPass> {
  const now = deps.clock.now();
  let gate = gateOf(await deps.persistence.getBreaker(settings.name), settings, job.jobId, now);
  if (gate.kind === "claim") gate = await claimProbe(deps, run, job.stageId, settings, job.jobId);
  if (gate.kind === "run") return { kind: "run" };
  if (gate.kind === "probe")
    return { kind: "run", committer: probeCommitter(deps, settings.name, job.jobId) };
  if (gate.kind === "claim") return { kind: "run" };
  await defer(deps, job, workerId, run, gate);
  const b = gate.breaker;
  const reason =
    b.state === "OPEN"
      ? `waiting for circuit breaker "${settings.name}" (open since ${b.openedAt?.toISOString()} after ${b.openedFailures} failures, half-open at ${gate.until.toISOString()})`
      : `waiting for circuit breaker "${settings.name}" (half-open, a probe is being tried; again at ${gate.until.toISOString()})`;
  return { kind: "deferred", until: gate.until, reason };
}
