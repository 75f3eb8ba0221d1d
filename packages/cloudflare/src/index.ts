/**
 * `@ratchet/cloudflare`: Ratchet on Cloudflare Workers and Queues. `queueJobPublisher` is the
 * kernel's after-commit `JobPublisher` on a queue producer binding; `handleQueueBatch` is the
 * `queue()` handler that runs each message on the serverless host. The database stays the
 * source of truth: a message is only a wake-up. No Node built-ins: it runs in workerd.
 */
export { type ChunkLimits, CLOUDFLARE_BATCH_LIMITS, chunkBySize } from "./chunks.js";
export {
  DEFAULT_MESSAGE_CONCURRENCY,
  DEFAULT_RETRY_DELAY_SECONDS,
  type HandleQueueBatchOptions,
  handleQueueBatch,
  type JobHandler,
  type QueueBatchResult,
  type QueueMessageReport,
} from "./consumer.js";
export {
  CLOUDFLARE_ERROR_CODES,
  type CloudflareErrorCode,
  isCloudflareErrorCode,
} from "./error-codes.js";
export { type ErrorReport, InvalidCloudflareOptionsError, QueueSendError } from "./errors.js";
export { type QueueJobPublisherOptions, queueJobPublisher } from "./publisher.js";
export {
  MAX_BATCH_BYTES,
  MAX_BATCH_MESSAGES,
  MAX_DELAY_SECONDS,
  type QueueMessage,
  type QueueMessageBatch,
  type QueueProducer,
  type QueueRetryOptions,
  type QueueSendRequest,
} from "./queue.js";
