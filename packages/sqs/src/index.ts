/**
 * `@ratchet/sqs`: Amazon SQS as Ratchet's job message channel. The database stays the source
 * of truth; a message is only a wake-up.
 *
 * - `sqsJobPublisher` — the kernel's after-commit `JobPublisher` (`KernelConfig.jobPublisher`);
 * - `handleSqsBatch` — the Lambda side: an SQS event in, the partial batch response out;
 * - `consumeSqsJobs` — a long-polling consumer for processes that are not Lambda.
 */
export {
  type ConsumeSqsJobsOptions,
  consumeSqsJobs,
  SQS_MAX_VISIBILITY_SECONDS,
  type SqsConsumerStats,
} from "./consumer.js";
export { isSqsErrorCode, SQS_ERROR_CODES, type SqsErrorCode } from "./error-codes.js";
export { InvalidSqsOptionsError, SqsConsumeError, SqsPublishError } from "./errors.js";
export {
  type HandleSqsBatchOptions,
  handleSqsBatch,
  jsonLog,
  type SqsBatchEvent,
  type SqsBatchRecord,
  type SqsBatchResponse,
} from "./lambda.js";
export {
  SQS_MAX_BATCH,
  SQS_MAX_DELAY_SECONDS,
  type SqsClientLike,
  type SqsJobPublisher,
  type SqsJobPublisherOptions,
  type SqsPublisherStats,
  sqsJobPublisher,
} from "./publisher.js";
export type { JobHandler, Settlement, SqsLog, SqsLogEntry } from "./settle.js";
