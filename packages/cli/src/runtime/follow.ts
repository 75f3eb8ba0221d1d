/**
 * `--follow`: polls a run until it ends, printing what is new at each poll (`logs`, `events`,
 * `status`), until the run ends or SIGINT/SIGTERM stops it. The options `--follow` and
 * `--interval` are declared here once for every command that follows.
 */
import { isTerminalRunStatus, RunNotFoundError, type RunQueries } from "@ratchet/kernel";
import type { OptionSpecs } from "../cli/options.js";
import { integerOption } from "../cli/values.js";
import type { CommandContext } from "../commands/spec.js";
import { listenForInterrupt } from "./interrupt.js";
import { sleep } from "./watch.js";

/** Between polls when `--interval` is absent (ms). */
export const DEFAULT_FOLLOW_INTERVAL_MS = 1_000;

/** `--follow` and `--interval <ms>`. */
export const FOLLOW_OPTIONS: OptionSpecs = {
  follow: {
    type: "boolean",
    short: "f",
    description: "keep polling and print what is new until the run ends (Ctrl-C stops)",
  },
  interval: {
    type: "string",
    value: "<ms>",
    description: "with --follow: time between polls (50–60000)",
    defaultText: String(DEFAULT_FOLLOW_INTERVAL_MS),
  },
};

/** What `--follow` and `--interval` ask for. */
export interface FollowRequest {
  follow: boolean;
  intervalMs: number;
}

/** Reads `--follow` and `--interval` (a malformed interval is a usage error). */
export function followRequestOf(context: CommandContext): FollowRequest {
  return {
    follow: context.options.follow === true,
    intervalMs: integerOption(context.options, "interval", {
      min: 50,
      max: 60_000,
      fallback: DEFAULT_FOLLOW_INTERVAL_MS,
    }),
  };
}

/** Whether the run has ended; throws RUN_NOT_FOUND for a run that does not exist. */
export async function runHasEnded(queries: RunQueries, runId: string): Promise<boolean> {
  const found = await queries.getRun(runId);
  if (!found) throw new RunNotFoundError(runId);
  return isTerminalRunStatus(found.run.status);
}

/**
 * Calls `poll` (which prints what is new and says whether the run has ended — reading the run's
 * status before what it prints, so nothing written before the end is missed) every
 * `intervalMs` until it returns true, or SIGINT/SIGTERM (`aborted`). Without `follow`, polls
 * once.
 */
export async function followRun(
  request: FollowRequest,
  poll: () => Promise<boolean>,
): Promise<"ended" | "once" | "aborted"> {
  if (!request.follow) {
    await poll();
    return "once";
  }
  const interrupt = listenForInterrupt();
  try {
    for (;;) {
      if (await poll()) return "ended";
      if (interrupt.signal.aborted) return "aborted";
      await sleep(request.intervalMs, interrupt.signal);
      if (interrupt.signal.aborted) return "aborted";
    }
  } finally {
    interrupt.dispose();
  }
}
