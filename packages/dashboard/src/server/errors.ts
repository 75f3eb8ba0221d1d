/**
 * The dashboard's typed errors: a stable `code` to match on, like the kernel's errors.
 */

/** Codes of {@link DashboardError}. */
export type DashboardErrorCode =
  /** Asked to listen on a non-loopback address without a token. */
  | "DASHBOARD_TOKEN_REQUIRED"
  /** An option is out of range (port, poll interval, token too short). */
  | "DASHBOARD_INVALID_OPTION";

/** An error of the dashboard's own (not one of the kernel's). */
export class DashboardError extends Error {
  /** Stable machine-readable code. */
  readonly code: DashboardErrorCode;
  /** The option at fault, when one is. */
  readonly field: string | undefined;

  constructor(code: DashboardErrorCode, message: string, field?: string) {
    super(message);
    this.name = "DashboardError";
    this.code = code;
    this.field = field;
  }
}
