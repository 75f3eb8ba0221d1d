/**
 * One maintenance tick: every periodic duty of a host, in order — claim pending runs, check
 * suspended stages, release stale leases, repair stuck runs, fire due schedules, publish the
 * outbox. A failing duty is reported and does not stop the others. Pure: no timers.
 */
import type { Kernel } from "@ratchet/kernel";
import {
  DEFAULT_MAX_CLAIMS_PER_TICK,
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  DEFAULT_MAX_SCHEDULED_PER_TICK,
  DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  DEFAULT_STALE_LEASE_THRESHOLD_MS,
} from "./defaults.js";

/** Limits of one tick. */
export interface MaintenanceOptions {
  workerId: string;
  maxClaimsPerTick?: number;
  maxSuspendedChecksPerTick?: number;
  maxOutboxFlushPerTick?: number;
  maxScheduledPerTick?: number;
  staleLeaseThresholdMs?: number;
  /** Runs not updated for this long are examined by `run.reapStuck` (default: the kernel's). */
  stuckRunThresholdMs?: number;
}

/** A duty that failed during a tick. */
export interface DutyFailure {
  duty: "claim" | "poll" | "reapStale" | "reapStuck" | "schedule" | "outbox";
  code: string;
  message: string;
}

/** What one tick did. */
export interface MaintenanceTickResult {
  claimed: number;
  suspendedChecked: number;
  resumed: number;
  staleReleased: number;
  staleFailed: number;
  stuckRepaired: number;
  scheduledFired: number;
  eventsFlushed: number;
  eventsFailed: number;
  /**
   * When something comes due next, as far as this tick could tell: the earliest next check of
   * the suspended stages it found still waiting, or the next scheduled entry (a sleep's wake-up,
   * a loop's interval, a workflow timeout) when the scheduler reports it.
   */
  nextDueAt?: Date;
  failures: DutyFailure[];
}

/** Runs every periodic duty once. */
export async function runMaintenanceTick(
  kernel: Kernel,
  options: MaintenanceOptions,
): Promise<MaintenanceTickResult> {
  const { workerId } = options;
  const result: MaintenanceTickResult = {
    claimed: 0,
    suspendedChecked: 0,
    resumed: 0,
    staleReleased: 0,
    staleFailed: 0,
    stuckRepaired: 0,
    scheduledFired: 0,
    eventsFlushed: 0,
    eventsFailed: 0,
    failures: [],
  };
  const duty = async (name: DutyFailure["duty"], fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      result.failures.push({
        duty: name,
        code: typeof e.code === "string" ? e.code : "DUTY_FAILED",
        message: String(e.message ?? error),
      });
    }
  };
  await duty("claim", async () => {
    const r = await kernel.dispatch({
      type: "run.claimPending",
      workerId,
      maxClaims: options.maxClaimsPerTick ?? DEFAULT_MAX_CLAIMS_PER_TICK,
    });
    result.claimed = r.claimed.length;
  });
  await duty("poll", async () => {
    const r = await kernel.dispatch({
      type: "stage.pollSuspended",
      workerId,
      maxChecks: options.maxSuspendedChecksPerTick ?? DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
    });
    result.suspendedChecked = r.checked;
    result.resumed = r.resumed;
    if (r.nextCheckAt) result.nextDueAt = r.nextCheckAt;
  });
  await duty("reapStale", async () => {
    const r = await kernel.dispatch({
      type: "lease.reapStale",
      staleThresholdMs: options.staleLeaseThresholdMs ?? DEFAULT_STALE_LEASE_THRESHOLD_MS,
    });
    result.staleReleased = r.released;
    result.staleFailed = r.failed;
  });
  await duty("reapStuck", async () => {
    const r = await kernel.dispatch({
      type: "run.reapStuck",
      ...(options.stuckRunThresholdMs === undefined
        ? {}
        : { stuckThresholdMs: options.stuckRunThresholdMs }),
    });
    result.stuckRepaired = r.repaired.length;
  });
  await duty("schedule", async () => {
    const r = await kernel.dispatch({
      type: "schedule.fireDue",
      workerId,
      maxCommands: options.maxScheduledPerTick ?? DEFAULT_MAX_SCHEDULED_PER_TICK,
    });
    result.scheduledFired = r.fired;
    if (r.nextDueAt && !(result.nextDueAt && result.nextDueAt <= r.nextDueAt))
      result.nextDueAt = r.nextDueAt;
  });
  await duty("outbox", async () => {
    const r = await kernel.dispatch({
      type: "outbox.flush",
      workerId,
      maxEvents: options.maxOutboxFlushPerTick ?? DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
    });
    result.eventsFlushed = r.published;
    result.eventsFailed = r.failed + r.deadLettered;
  });
  return result;
}
