/**
 * `@ratchet/nats`: Ratchet's NATS JetStream broker transport. The database stays the source of
 * truth for job state, leases and exactly-once commits; JetStream carries wake-ups:
 *
 * - `natsJobPublisher` — the kernel's `JobPublisher`: after each commit, one message per ready
 *   job or pending run, stored durably (publish acks) and de-duplicated (`Nats-Msg-Id`);
 * - `ensureJobStream` / `ensureJobConsumer` — the work-queue stream and its durable pull consumer;
 * - `consumeJobMessages` — a Node loop pulling messages into a host's `handleJob`.
 */

export { consumeJobMessages } from "./consumer.js";
export type {
  ConsumeJobMessagesOptions,
  ConsumeJobMessagesStats,
  JobMessageHandler,
  JobMessageLoop,
} from "./consumer-options.js";
export { isNatsErrorCode, NATS_ERROR_CODES, type NatsErrorCode } from "./error-codes.js";
export { NatsTransportError } from "./errors.js";
export { readyWorkMessageId } from "./message-id.js";
export {
  type NatsJobPublisher,
  type NatsJobPublisherOptions,
  type NatsJobPublisherStats,
  natsJobPublisher,
} from "./publisher.js";
export {
  type EnsureJobConsumerOptions,
  type EnsureJobStreamOptions,
  ensureJobConsumer,
  ensureJobStream,
} from "./stream.js";
