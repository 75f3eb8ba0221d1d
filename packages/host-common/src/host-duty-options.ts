/**
 * The duty limits a host's user sets, checked once when the host is made. The fields are the
 * kernel's `DutyOptions` (their meaning and defaults are defined there, once); a host adds the
 * `workerId` and, for claims it makes itself, `claimContinueWith`.
 */
import type { DutyOptions } from "@ratchet/kernel";
import type { MaintenanceOptions } from "./maintenance-tick.js";

/** The limits of the periodic duties a host takes as options (its own `workerId` aside). */
export type HostDutyOptions = Omit<DutyOptions, "workerId" | "claimContinueWith" | "claimLeaseMs">;

/** Host duty limits as a host receives them: any may be absent or `undefined`. */
type GivenLimits = { readonly [K in keyof HostDutyOptions]?: HostDutyOptions[K] | undefined };

/** What a limit must be: a positive integer, an integer ≥ 0 (0 = off), or a span in ms ≥ 0. */
type LimitKind = "count" | "countOrOff" | "durationMs";

/**
 * Every host duty limit and what it must be. Typed to name each field of
 * {@link HostDutyOptions} exactly once, so a limit the kernel adds fails to compile here until
 * it is checked.
 */
const LIMITS = {
  maxClaimsPerTick: "count",
  maxSuspendedChecksPerTick: "count",
  staleLeaseThresholdMs: "durationMs",
  maxStaleJobsPerTick: "count",
  stuckRunThresholdMs: "durationMs",
  maxStuckRunsPerTick: "count",
  maxCronSchedulesPerTick: "count",
  maxScheduledPerTick: "count",
  replayDeadLettersPerTick: "countOrOff",
  maxOutboxFlushPerTick: "count",
  purgeIntervalMs: "durationMs",
  maxPurgePerTick: "countOrOff",
} as const satisfies Record<keyof HostDutyOptions, LimitKind>;

/** The names of the host duty limits. */
export const HOST_DUTY_OPTION_FIELDS = Object.keys(LIMITS) as ReadonlyArray<keyof HostDutyOptions>;

/** An invalid duty limit: the field and what is wrong with it. */
export interface DutyOptionProblem {
  field: keyof HostDutyOptions;
  message: string;
}

const RULES: Record<LimitKind, { ok: (n: number) => boolean; must: string }> = {
  count: { ok: (n) => Number.isInteger(n) && n > 0, must: "a positive integer" },
  countOrOff: { ok: (n) => Number.isInteger(n) && n >= 0, must: "an integer ≥ 0 (0: off)" },
  durationMs: { ok: (n) => Number.isInteger(n) && n >= 0, must: "a whole number of ms ≥ 0" },
};

/**
 * The first duty limit of `options` that is set but invalid, or `undefined` when all are
 * valid. Hosts turn it into their own invalid-options error.
 */
export function findDutyOptionProblem(options: GivenLimits): DutyOptionProblem | undefined {
  for (const field of HOST_DUTY_OPTION_FIELDS) {
    const value: unknown = options[field];
    if (value === undefined) continue;
    const rule = RULES[LIMITS[field]];
    if (typeof value !== "number" || !rule.ok(value)) {
      return { field, message: `must be ${rule.must}, got ${String(value)}` };
    }
  }
  return undefined;
}

/**
 * The options of a host's maintenance tick: `workerId` and the limits of `options` that are
 * set (other fields of `options` are ignored); the kernel's defaults fill in the rest.
 */
export function maintenanceOptions(workerId: string, options: GivenLimits): MaintenanceOptions {
  const picked: MaintenanceOptions = { workerId };
  for (const field of HOST_DUTY_OPTION_FIELDS) {
    const value = options[field];
    if (value !== undefined) picked[field] = value;
  }
  return picked;
}
