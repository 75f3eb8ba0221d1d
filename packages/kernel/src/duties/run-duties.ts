/**
 * `runDuties`: one round of the periodic duties ({@link DUTIES}) against a kernel. Pure: no
 * timers; hosts decide when to call it.
 */
import type { CommandMap, CommandResult } from "../commands/index.js";
import { DUTIES, type DutyCommands, type DutyName } from "./duties.js";
import type { DutyOptions } from "./options.js";

/** What each duty returned in a round (absent: the duty was off, or failed). */
export type DutyResults = { [N in DutyName]?: CommandResult<DutyCommands[N]> };

/** A duty that failed during a round. */
export interface DutyFailure {
  duty: DutyName;
  code: string;
  message: string;
}

/** What one round did. */
export interface DutyRound {
  results: DutyResults;
  /** Duties that threw (only with `isolateFailures`; otherwise the round rejects). */
  failures: DutyFailure[];
  /**
   * When something comes due next, as far as this round could tell: the earliest next check of
   * the suspended stages it found still waiting, the next scheduled entry when the scheduler
   * reports it, or the next cron schedule's fire time.
   */
  nextDueAt?: Date;
}

/** What {@link runDuties} dispatches through: a kernel, or a wrapper around one. */
export interface DutyDispatcher {
  dispatch<T extends DutyCommands[DutyName]>(command: CommandMap[T][0]): Promise<CommandResult<T>>;
}

/** Options of {@link runDuties} besides the duties' limits. */
export interface RunDutiesOptions {
  /**
   * Record a duty that throws in {@link DutyRound.failures} and go on with the next one
   * (hosts), instead of rejecting (the test driver and the simulation, which want to see it).
   */
  isolateFailures?: boolean;
  /**
   * Called after each duty that ran, with its result, before the next duty starts: the claim's
   * result holds the jobs `claimContinueWith` leased, which the caller runs here.
   */
  afterDuty?<N extends DutyName>(
    name: N,
    result: CommandResult<DutyCommands[N]>,
  ): Promise<void> | void;
}

/**
 * Runs every duty once, in order.
 *
 * @example
 * ```ts
 * const round = await runDuties(kernel, { workerId: "worker-1" }, { isolateFailures: true });
 * if (round.failures.length > 0) console.warn(round.failures);
 * ```
 */
export async function runDuties(
  kernel: DutyDispatcher,
  options: DutyOptions,
  extra: RunDutiesOptions = {},
): Promise<DutyRound> {
  const round: DutyRound = { results: {}, failures: [] };
  for (const duty of DUTIES) {
    const command = duty.command(options);
    if (command === undefined) continue;
    let result: unknown;
    try {
      result = await kernel.dispatch(command);
    } catch (error) {
      if (!extra.isolateFailures) throw error;
      const e = error as { code?: unknown; message?: unknown } | null;
      round.failures.push({
        duty: duty.name,
        code: typeof e?.code === "string" ? e.code : "DUTY_FAILED",
        message: String(e?.message ?? error),
      });
      continue;
    }
    (round.results as Record<string, unknown>)[duty.name] = result;
    await extra.afterDuty?.(duty.name, result as never);
  }
  const due = [
    round.results.poll?.nextCheckAt,
    round.results.schedule?.nextDueAt,
    round.results.cron?.nextFireAt,
  ].filter((d): d is Date => d !== undefined);
  if (due.length > 0) round.nextDueAt = new Date(Math.min(...due.map((d) => d.getTime())));
  return round;
}
