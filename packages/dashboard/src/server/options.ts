/**
 * What the dashboard server is built from: read-side queries, a kernel's `dispatch` for the
 * actions, the registered workflows, and where and how it listens.
 */
import type { AnyWorkflow, Kernel, LogRecord, RunQueries, ScheduleView } from "@ratchet/kernel";
import { DashboardError } from "./errors.js";

/** One action taken through the dashboard, as recorded. */
export interface AuditEntry {
  at: Date;
  /** `cancel`, `rerun`, `retry`, `approve` or `reject`. */
  action: string;
  runId: string;
  stageId: string | null;
  /** The name the person gave in the page (self-declared; `anonymous` when none). */
  by: string;
  /** The client's address. */
  remote: string;
  /** Whether the request carried the configured token (false when none is configured). */
  authenticated: boolean;
  result: "ok" | "error";
  /** The kernel's result, or the error's code and message. */
  detail: string;
}

/** Options of `createDashboard`. */
export interface DashboardOptions {
  /** Read side (runs, stages, logs, events). */
  queries: RunQueries;
  /** A kernel's dispatch: actions (`run.cancel`, `run.rerunFrom`, `approval.decide`) and `schedules.list`. */
  dispatch: Kernel["dispatch"];
  /** Workflows to show on the workflows page (their graphs); default none. */
  workflows?: readonly AnyWorkflow[];
  /** The schedules to show; default: `schedules.list` through `dispatch`. */
  schedules?: () => Promise<readonly ScheduleView[]>;
  /**
   * Token every API call, stream and action must carry (`Authorization: Bearer`, or the cookie
   * set by opening the page with `?token=`). Required to listen on a non-loopback address.
   */
  token?: string;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** Port (default 7700; 0 picks a free one). */
  port?: number;
  /**
   * Writes an action's audit line into the run's logs (stage `null`), e.g.
   * `(logs) => persistence.appendLogs(logs)`. Without it actions are recorded only through
   * {@link audit}.
   */
  appendLogs?: (logs: readonly LogRecord[]) => Promise<void>;
  /** Called with every action taken (after it ran, whatever its result). */
  audit?: (entry: AuditEntry) => void;
  /** How often open pages' data is read for live updates (default 500 ms). */
  pollIntervalMs?: number;
  /** Largest request body accepted (default 16 KiB). */
  maxBodyBytes?: number;
  /** Current time (tests); default the system clock. */
  now?: () => Date;
}

/** The options after defaults. */
export interface ResolvedOptions extends DashboardOptions {
  host: string;
  port: number;
  workflows: readonly AnyWorkflow[];
  pollIntervalMs: number;
  maxBodyBytes: number;
  now: () => Date;
}

/** Default port of `ratchet dashboard`. */
export const DEFAULT_DASHBOARD_PORT = 7700;
/** Default address: loopback only. */
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";
/** Shortest token accepted. */
export const MIN_TOKEN_LENGTH = 8;

/** Whether `host` names only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Applies defaults and checks the options: a non-loopback `host` needs a token
 * (`DASHBOARD_TOKEN_REQUIRED`); bad numbers or a short token are `DASHBOARD_INVALID_OPTION`.
 */
export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  const token = options.token === "" ? undefined : options.token;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new DashboardError(
      "DASHBOARD_INVALID_OPTION",
      `port must be 0–65535, got ${port}`,
      "port",
    );
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new DashboardError(
      "DASHBOARD_INVALID_OPTION",
      `the token must be at least ${MIN_TOKEN_LENGTH} characters`,
      "token",
    );
  if (!isLoopback(host) && token === undefined)
    throw new DashboardError(
      "DASHBOARD_TOKEN_REQUIRED",
      `refusing to listen on ${host} without a token: anyone who reaches it could cancel and rerun runs. Set a token (--token or RATCHET_DASHBOARD_TOKEN), or listen on 127.0.0.1`,
      "host",
    );
  const { token: _omit, ...rest } = options;
  return {
    ...rest,
    ...(token === undefined ? {} : { token }),
    host,
    port,
    workflows: options.workflows ?? [],
    pollIntervalMs: options.pollIntervalMs ?? 500,
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024,
    now: options.now ?? (() => new Date()),
  };
}
