/**
 * Circuit breakers of stages: a stage guarded by a named breaker (`breaker: "payments-api"`,
 * or `{ name, …settings }`) is deferred, not failed, while the breaker is open. Its settings
 * are checked with zod when the stage is defined (`INVALID_BREAKER`).
 */
import { z } from "zod";
import { WorkflowDefinitionError } from "../errors.js";

/** How a circuit breaker opens and closes. */
export interface BreakerSettings {
  /** Failures within `windowMs` that open the breaker (default 5). */
  failureThreshold: number;
  /** The sliding window failures are counted in (ms, default 60 000). */
  windowMs: number;
  /** How long an open breaker stays open before it lets a probe through (ms, default 30 000). */
  coolDownMs: number;
  /** Attempts let through at once while half-open (default 1). */
  halfOpenProbes: number;
  /**
   * How long a probe holds its place (ms, default 60 000): a probe whose job never comes back
   * (its run was cancelled) frees it after this long.
   */
  probeTimeoutMs: number;
}

/** A stage's `breaker` option: a name (default settings), or a name with settings. */
export type BreakerOption = string | ({ name: string } & Partial<BreakerSettings>);

/** A stage's breaker: its name and the settings in force. */
export interface StageBreaker extends BreakerSettings {
  readonly name: string;
}

/** The settings of a breaker that names none. */
export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  failureThreshold: 5,
  windowMs: 60_000,
  coolDownMs: 30_000,
  halfOpenProbes: 1,
  probeTimeoutMs: 60_000,
});

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const positiveInt = z.number().int().positive();
const positiveMs = z.number().int().positive().max(2_147_483_647);

const breakerSchema = z.strictObject({
  name: z.string().regex(NAME, "1–128 letters, digits, '-', '_', '.', ':' or '/'"),
  failureThreshold: positiveInt.max(10_000).optional(),
  windowMs: positiveMs.optional(),
  coolDownMs: positiveMs.optional(),
  halfOpenProbes: positiveInt.max(1_000).optional(),
  probeTimeoutMs: positiveMs.optional(),
});

/** Checks a stage's `breaker` option; throws `INVALID_BREAKER` naming what is wrong. */
export function resolveBreaker(option: BreakerOption, stageId: string): StageBreaker {
  const value = typeof option === "string" ? { name: option } : option;
  const parsed = breakerSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "breaker"}: ${i.message}`)
      .join("; ");
    throw new WorkflowDefinitionError(
      "INVALID_BREAKER",
      `[ratchet] stage "${stageId}" has an invalid breaker: ${issues}`,
      { stageId, field: "breaker" },
    );
  }
  const { name, ...given } = parsed.data;
  const settings: BreakerSettings = { ...DEFAULT_BREAKER_SETTINGS };
  for (const key of Object.keys(DEFAULT_BREAKER_SETTINGS) as (keyof BreakerSettings)[]) {
    const value = given[key];
    if (value !== undefined) settings[key] = value;
  }
  return Object.freeze({ ...settings, name });
}
