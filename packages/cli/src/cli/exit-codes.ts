/**
 * The CLI's exit codes (stable; scripts may rely on them).
 */

/** Exit codes of `ratchet`. */
export const ExitCode = {
  /** Success (for `run --wait` and `demo`: every run completed). */
  OK: 0,
  /**
   * A Ratchet error (`error [CODE]: …`), a run that ended `FAILED`, `CANCELLED` or `TIMED_OUT`
   * (`run --wait`, `demo`, `status --follow`), or an unexpected error.
   */
  FAILURE: 1,
  /** Bad usage: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** The database cannot be reached or opened. */
  DATABASE_UNREACHABLE: 3,
  /**
   * Runs need an operator: `runs migrate` refused (or failed to move) a run, or `deploy-check`
   * found in-flight runs the module would strand or that need a migration first.
   */
  NEEDS_ATTENTION: 4,
  /**
   * Interrupted by SIGINT/SIGTERM while waiting for a run (`run --wait`, `demo`) or following
   * one (`status`, `logs`, `events` with `--follow`).
   */
  INTERRUPTED: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
