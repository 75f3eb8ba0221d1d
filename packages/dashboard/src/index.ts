/**
 * `@ratchet/dashboard`: Ratchet's web dashboard — runs with filters and search, a run's stages
 * (live states, attempts drawn on a timeline, logs, events, input and output, the explain
 * sentence), workflows with their Mermaid graphs and schedules, live over Server-Sent Events;
 * actions (cancel, rerun, retry, approve, reject) checked against a token and recorded.
 * `ratchet dashboard` serves it over the CLI's database.
 */
export { ACTION_HEADER, TOKEN_COOKIE } from "./server/auth.js";
export { createDashboard, type Dashboard } from "./server/dashboard.js";
export { DashboardError, type DashboardErrorCode } from "./server/errors.js";
export {
  type AuditEntry,
  type DashboardOptions,
  DEFAULT_DASHBOARD_HOST,
  DEFAULT_DASHBOARD_PORT,
  isLoopback,
  MIN_TOKEN_LENGTH,
} from "./server/options.js";
