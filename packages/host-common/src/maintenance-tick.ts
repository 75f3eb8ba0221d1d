/**
 * One maintenance tick: the kernel's periodic duties (`DUTIES` of `@ratchet/kernel`), run once
 * in the kernel's order — start the runs of due cron schedules, claim pending runs, check
 * suspended stages, release stale leases, repair stuck runs, fire due scheduled commands, replay
 * dead letters (off by default), publish the outbox, purge what retention no longer keeps — with the round's results summed up as counts. A failing duty is reported and does
 * not stop the others. Pure: no timers.
 */
import {
  type DutyFailure,
  type DutyOptions,
  type DutyRound,
  type Kernel,
  type RunDutiesOptions,
  runDuties,
} from "@ratchet/kernel";

export type { DutyFailure } from "@ratchet/kernel";

/**
 * Limits of one tick: the kernel's {@link DutyOptions}, so every duty limit and its default is
 * defined once. `claimContinueWith` leases the claimed runs' first jobs to `workerId`: pass
 * `afterDuty` to {@link runMaintenanceTick} to run them, or leave it unset.
 */
export type MaintenanceOptions = DutyOptions;

/** What one tick did. */
export interface MaintenanceTickResult {
  /** Runs started by cron schedules (`schedules.fireDue`). */
  schedulesFired: number;
  claimed: number;
  suspendedChecked: number;
  resumed: number;
  staleReleased: number;
  staleFailed: number;
  stuckRepaired: number;
  scheduledFired: number;
  eventsFlushed: number;
  /** Events that failed to publish this tick, dead-lettered ones included. */
  eventsFailed: number;
  /** Dead-lettered events moved back to the outbox: only when that duty ran (off by default). */
  deadLettersReplayed?: number;
  /** Finished runs deleted by retention (the `purge` duty): only when it deleted some. */
  runsPurged?: number;
  /**
   * When something comes due next, as far as this tick could tell: the earliest next check of
   * the suspended stages it found still waiting, or the next scheduled entry (a sleep's wake-up,
   * a loop's interval, a workflow timeout) when the scheduler reports it, or the next cron
   * schedule's fire time.
   */
  nextDueAt?: Date;
  /** Duties that threw, in the order they ran (`duty` names the duty). */
  failures: DutyFailure[];
}

/**
 * Runs every periodic duty once (the kernel's `runDuties`, failures isolated).
 *
 * @param extra `afterDuty` runs after each duty that succeeded, before the next one starts
 *   (e.g. to run the jobs a claim with `claimContinueWith` leased to this host).
 */
export async function runMaintenanceTick(
  kernel: Kernel,
  options: MaintenanceOptions,
  extra: Pick<RunDutiesOptions, "afterDuty"> = {},
): Promise<MaintenanceTickResult> {
  const round = await runDuties(kernel, options, { ...extra, isolateFailures: true });
  return summarizeRound(round);
}

/** Counts what a round of duties did (a duty that was off or failed counts 0). */
export function summarizeRound(round: DutyRound): MaintenanceTickResult {
  const { cron, claim, poll, reapStale, reapStuck, schedule, replayDeadLetters, outbox, purge } =
    round.results;
  return {
    schedulesFired: cron?.fired ?? 0,
    claimed: claim?.claimed.length ?? 0,
    suspendedChecked: poll?.checked ?? 0,
    resumed: poll?.resumed ?? 0,
    staleReleased: reapStale?.released ?? 0,
    staleFailed: reapStale?.failed ?? 0,
    stuckRepaired: reapStuck?.repaired.length ?? 0,
    scheduledFired: schedule?.fired ?? 0,
    eventsFlushed: outbox?.published ?? 0,
    eventsFailed: outbox ? outbox.failed + outbox.deadLettered : 0,
    ...(replayDeadLetters ? { deadLettersReplayed: replayDeadLetters.replayed } : {}),
    ...(purge && purge.purged > 0 ? { runsPurged: purge.purged } : {}),
    ...(round.nextDueAt ? { nextDueAt: round.nextDueAt } : {}),
    failures: round.failures,
  };
}
