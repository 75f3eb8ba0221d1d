/**
 * The periodic duties of a host, defined once, in the order every host runs them: start the
 * runs of due cron schedules, claim pending runs, check suspended stages, release stale leases,
 * repair stuck runs, fire due scheduled commands, replay dead letters (off by default), publish
 * the outbox, purge what retention no longer keeps. The Node host, the
 * serverless host, the test driver and the deterministic simulation all run this list.
 */
import type { CommandMap } from "../commands/index.js";
import {
  DEFAULT_MAX_CLAIMS_PER_TICK,
  DEFAULT_MAX_CRON_SCHEDULES_PER_TICK,
  DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  DEFAULT_MAX_PURGE_PER_TICK,
  DEFAULT_MAX_SCHEDULED_PER_TICK,
  DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  DEFAULT_PURGE_INTERVAL_MS,
  DEFAULT_STALE_LEASE_THRESHOLD_MS,
  type DutyOptions,
} from "./options.js";

/** Each duty by name, with the command it dispatches. */
export interface DutyCommands {
  cron: "schedules.fireDue";
  claim: "run.claimPending";
  poll: "stage.pollSuspended";
  reapStale: "lease.reapStale";
  reapStuck: "run.reapStuck";
  schedule: "schedule.fireDue";
  replayDeadLetters: "outbox.replayDeadLetters";
  outbox: "outbox.flush";
  purge: "runs.purge";
}

/** A duty's name. */
export type DutyName = keyof DutyCommands;

/** One periodic duty: the command it dispatches under given options. */
export interface Duty<N extends DutyName = DutyName> {
  readonly name: N;
  /** The duty's command, or `undefined` when `options` turn the duty off. */
  command(options: DutyOptions): CommandMap[DutyCommands[N]][0] | undefined;
}

/** Spreads `{ [key]: value }` only when `value` is set (commands take no `undefined` fields). */
function ifSet<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** First, so the runs the schedules start are claimed in the same round. */
const cron: Duty<"cron"> = {
  name: "cron",
  command: (o) => ({
    type: "schedules.fireDue",
    workerId: o.workerId,
    maxSchedules: o.maxCronSchedulesPerTick ?? DEFAULT_MAX_CRON_SCHEDULES_PER_TICK,
  }),
};

const claim: Duty<"claim"> = {
  name: "claim",
  command: (o) => ({
    type: "run.claimPending",
    workerId: o.workerId,
    maxClaims: o.maxClaimsPerTick ?? DEFAULT_MAX_CLAIMS_PER_TICK,
    ...(o.claimContinueWith ? { continueWith: o.claimContinueWith } : {}),
    ...(o.claimContinueWith ? ifSet("leaseMs", o.claimLeaseMs) : {}),
  }),
};

const poll: Duty<"poll"> = {
  name: "poll",
  command: (o) => ({
    type: "stage.pollSuspended",
    workerId: o.workerId,
    maxChecks: o.maxSuspendedChecksPerTick ?? DEFAULT_MAX_SUSPENDED_CHECKS_PER_TICK,
  }),
};

const reapStale: Duty<"reapStale"> = {
  name: "reapStale",
  command: (o) => ({
    type: "lease.reapStale",
    staleThresholdMs: o.staleLeaseThresholdMs ?? DEFAULT_STALE_LEASE_THRESHOLD_MS,
    ...ifSet("maxJobs", o.maxStaleJobsPerTick),
  }),
};

const reapStuck: Duty<"reapStuck"> = {
  name: "reapStuck",
  command: (o) => ({
    type: "run.reapStuck",
    ...ifSet("stuckThresholdMs", o.stuckRunThresholdMs),
    ...ifSet("maxRuns", o.maxStuckRunsPerTick),
  }),
};

const schedule: Duty<"schedule"> = {
  name: "schedule",
  command: (o) => ({
    type: "schedule.fireDue",
    workerId: o.workerId,
    maxCommands: o.maxScheduledPerTick ?? DEFAULT_MAX_SCHEDULED_PER_TICK,
  }),
};

const replayDeadLetters: Duty<"replayDeadLetters"> = {
  name: "replayDeadLetters",
  command: (o) =>
    o.replayDeadLettersPerTick
      ? { type: "outbox.replayDeadLetters", maxEvents: o.replayDeadLettersPerTick }
      : undefined,
};

const outbox: Duty<"outbox"> = {
  name: "outbox",
  command: (o) => ({
    type: "outbox.flush",
    workerId: o.workerId,
    maxEvents: o.maxOutboxFlushPerTick ?? DEFAULT_MAX_OUTBOX_FLUSH_PER_TICK,
  }),
};

/**
 * Last: retention (`runs.purge` by the kernel's and the workflows' retention), at most once per
 * `purgeIntervalMs` on this kernel while nothing is left to delete; off with `maxPurgePerTick: 0`.
 */
const purge: Duty<"purge"> = {
  name: "purge",
  command: (o) => {
    const maxRuns = o.maxPurgePerTick ?? DEFAULT_MAX_PURGE_PER_TICK;
    if (maxRuns === 0) return undefined;
    return {
      type: "runs.purge",
      maxRuns,
      everyMs: o.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
    };
  },
};

/** Every periodic duty, in the order a round runs them. */
export const DUTIES: readonly Duty[] = [
  cron,
  claim,
  poll,
  reapStale,
  reapStuck,
  schedule,
  replayDeadLetters,
  outbox,
  purge,
] as readonly Duty[];

/** The command the duty `name` dispatches under `options` (`undefined`: the duty is off). */
export function dutyCommand<N extends DutyName>(
  name: N,
  options: DutyOptions,
): CommandMap[DutyCommands[N]][0] | undefined {
  const duty = DUTIES.find((d) => d.name === name) as Duty<N> | undefined;
  return duty?.command(options);
}
