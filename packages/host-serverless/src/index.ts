/**
 * `@ratchet/host-serverless`: Ratchet's host for functions that run per event — a queue
 * message (`handleJob`) or a cron tick (`runMaintenanceTick` + `processAvailableJobs`), each
 * followed by `publishEvents` to drain the event outbox. No Node built-ins: it runs in AWS
 * Lambda and Cloudflare Workers alike.
 */

/** What `runMaintenanceTick()` returns (from `@ratchet/host-common`). */
export type { DutyFailure, MaintenanceTickResult } from "@ratchet/host-common";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_PUBLISH_TIME_BUDGET_MS,
  DEFAULT_TIME_BUDGET_MS,
} from "./defaults.js";
export {
  isServerlessHostErrorCode,
  SERVERLESS_HOST_ERROR_CODES,
  type ServerlessHostErrorCode,
} from "./error-codes.js";
export { InvalidHostOptionsError, type ReportedError } from "./errors.js";
export { createServerlessHost, type ServerlessHost } from "./host.js";
export {
  FullJobMessageSchema,
  type JobMessage,
  JobMessageSchema,
  type ParsedJobMessage,
  parseJobMessage,
} from "./message.js";
export type { ServerlessHostOptions } from "./options.js";
export type { ProcessJobsOptions, ProcessJobsResult } from "./process-jobs.js";
export type { PublishEventsOptions, PublishEventsResult } from "./publish-events.js";
export type { HandleJobOutcome, HandleJobResult } from "./result.js";
export type { ServerlessHostStats } from "./stats.js";
