/**
 * Option values that a command's definition shows in its help and its handler applies: the
 * defaults of `--limit`-like options and the choices of enumerated ones. They live here, not in
 * the definitions, because a handler must not import its definition (the definition imports the
 * handler when the command runs; see `handlers/`).
 */
import type { LogLevel, RunStatus } from "@ratchet/kernel";

/** `ratchet runs --status`: the statuses it accepts, in the order its help lists them. */
export const RUN_STATUSES: readonly RunStatus[] = [
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "COMPENSATING",
  "COMPENSATED",
  "COMPENSATION_FAILED",
];

/** Runs `ratchet runs` lists when `--limit` is absent. */
export const RUNS_DEFAULT_LIMIT = 20;

/** Approvals `ratchet approvals` lists when `--limit` is absent. */
export const APPROVALS_DEFAULT_LIMIT = 100;

/** Events `ratchet replay-dead-letters` replays when `--limit` is absent. */
export const REPLAY_DEFAULT_LIMIT = 100;

/** Runs per batch of `ratchet purge` when `--batch` is absent. */
export const PURGE_DEFAULT_BATCH = 500;

/** `ratchet logs --level`: the levels, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** `ratchet schedules create --overlap`. */
export const SCHEDULE_OVERLAP = ["skip", "buffer_one", "allow"] as const;

/** `ratchet schedules create --catch-up`. */
export const SCHEDULE_CATCH_UP = ["skip", "latest", "all"] as const;

/** Schedules `ratchet schedules list` lists when `--limit` is absent. */
export const SCHEDULES_DEFAULT_LIMIT = 50;

/** The demo's pipeline, as `ratchet demo` describes it in its help and its first line. */
export const DEMO_PIPELINE =
  "fetch → (extract-text ∥ extract-metadata ∥ thumbnail) → embed (async batch) → publish";

/** The environment variable that sets `ratchet dashboard`'s token when `--token` is not given. */
export const DASHBOARD_TOKEN_ENV = "RATCHET_DASHBOARD_TOKEN";

/**
 * `@ratchet/dashboard`'s defaults, as `ratchet dashboard --help` shows them: copies, so that
 * the help does not load the dashboard's server (the handler uses the package's own values, and
 * `test/option-values.test.ts` checks the copies against them).
 */
export const DASHBOARD_HELP_DEFAULTS = {
  /** `DEFAULT_DASHBOARD_HOST`. */
  host: "127.0.0.1",
  /** `DEFAULT_DASHBOARD_PORT`. */
  port: 7700,
} as const;
