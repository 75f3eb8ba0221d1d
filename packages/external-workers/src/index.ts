/**
 * `@ratchet/external-workers`: stages whose bodies run in workers written in any language,
 * over a versioned HTTP+JSON protocol (docs/workers.md), under the host's leases, fences and
 * exactly-once commit.
 */
export type { BrokerLogger, HeldResult } from "./broker.js";
export {
  EXTERNAL_WORKER_ERROR_CODES,
  type ExternalWorkerErrorCode,
  isExternalWorkerErrorCode,
} from "./error-codes.js";
export {
  EXTERNAL_MODULE_PREFIX,
  type ExternalStageInput,
  externalStage,
  externalTaskOf,
} from "./external-stage.js";
export {
  createExternalWorkerGateway,
  type ExternalWorkerGateway,
  type ExternalWorkerGatewayOptions,
  type GatewayLogger,
} from "./gateway.js";
export { type ClaimedJob, LOG_LEVELS, PROTOCOL_VERSION } from "./protocol.js";
