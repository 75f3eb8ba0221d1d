/**
 * Breaker writes that ride on a guarded stage's attempt: a failure counts (and may open the
 * breaker) in the transaction that commits the failed attempt; a probe's success closes it in
 * the transaction that commits the completion. Unguarded stages write nothing here.
 */

import type { StageCommitter } from "../../ports/stage-committer.js";
import { transactionalCommitter } from "../../ports/transactional-committer.js";
import type { RunRecord, StoredError } from "../../records.js";
import type { KernelDeps } from "../kernel-deps.js";
import type { AttemptTarget } from "../stage/outcome.js";
import { pendingEvent, type UnitOfWork } from "../tx/unit-of-work.js";
import { breakerPayload, CIRCUIT_CLOSED, CIRCUIT_OPENED } from "./events.js";
import { afterFailure, closed, closesOnSuccess } from "./state.js";

/**
 * Counts a failed attempt of a guarded stage against its breaker, in the failure's transaction
 * (the run is locked already); a failure that opens the breaker adds `circuit.opened` to the
 * run's events. Nothing for a stage without a breaker.
 */
export async function recordBreakerFailure(
  uow: UnitOfWork,
  run: RunRecord,
  target: AttemptTarget,
  error: StoredError,
): Promise<void> {
  const settings = target.workflow.getStage(target.record.stageId)?.stage.breaker;
  if (settings === undefined) return;
  const breaker = await uow.tx.lockBreaker(settings.name, uow.now);
  const { write, opened } = afterFailure(breaker, settings, error, uow.now);
  await uow.tx.saveBreaker(write);
  if (opened) {
    uow.event(run, CIRCUIT_OPENED, {
      ...breakerPayload(write),
      stageId: target.record.stageId,
      ...(breaker.state === "HALF_OPEN" ? { probeFailed: true } : {}),
    });
  }
}

/**
 * The committer of a probe's completion: the kernel's transactional one, in a transaction that
 * also closes the breaker (and adds `circuit.closed` to the completion's events) when the
 * breaker is still half-open with this job among its probes. Locks the run, then the breaker.
 */
export function probeCommitter(deps: KernelDeps, name: string, jobId: string): StageCommitter {
  return {
    commit: (completion) =>
      deps.persistence.withTransaction(async (tx) => {
        const run = await tx.getRun(completion.runId, { forUpdate: true });
        const breaker = await tx.lockBreaker(name, completion.now);
        const closes = run !== null && closesOnSuccess(breaker, jobId);
        const write = closed(breaker, completion.now);
        const events = closes
          ? completion.events.concat(
              pendingEvent(
                deps,
                run,
                CIRCUIT_CLOSED,
                { ...breakerPayload(write), stageId: completion.stageId },
                completion.now,
              ),
            )
          : completion.events;
        // The transaction view joins this transaction: one commit for the stage and the breaker.
        // Its ports only (no telemetry: commitCompleted reports the run's end itself).
        const committer = transactionalCommitter({
          persistence: tx,
          jobTransport: deps.jobTransport,
          scheduler: deps.scheduler,
          clock: deps.clock,
          newId: deps.newId,
        });
        const result = await committer.commit({ ...completion, events });
        if (closes && result.kind === "committed") await tx.saveBreaker(write);
        return result;
      }),
  };
}
