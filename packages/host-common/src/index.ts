/**
 * `@ratchet/host-common`: what the Node and serverless hosts share — one maintenance tick over
 * the kernel's duty list, the duty limits they take as options, and executing a job with
 * heartbeats and a timeout — so both behave the same; and the approval webhook, an HTTP
 * handler on the Web Fetch API that any host (or none) mounts. Nothing here imports a Node
 * module: it runs in Node, Cloudflare Workers and Lambda alike.
 */
export {
  type ApprovalWebhook,
  type ApprovalWebhookOptions,
  createApprovalWebhook,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  type DecideApproval,
  SECRET_HEADER,
  SIGNATURE_HEADER,
  signApprovalWebhook,
  TIMESTAMP_HEADER,
  type WebhookAuthMethod,
} from "./approval-webhook/index.js";
export * from "./defaults.js";
export { HOST_ERROR_CODES, type HostErrorCode, isHostErrorCode } from "./error-codes.js";
export { type ExecuteJobOptions, executeJob } from "./execute-job.js";
export { HeartbeatGroup } from "./heartbeats.js";
export {
  type DutyOptionProblem,
  findDutyOptionProblem,
  HOST_DUTY_OPTION_FIELDS,
  type HostDutyOptions,
  maintenanceOptions,
} from "./host-duty-options.js";
export {
  type DutyFailure,
  type MaintenanceOptions,
  type MaintenanceTickResult,
  runMaintenanceTick,
} from "./maintenance-tick.js";
export { outboxFlushWasFull } from "./outbox-drain.js";
