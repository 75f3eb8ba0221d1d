/**
 * Every error `code` `@ratchet/nats` raises or reports, as a list and as a union type.
 *
 * Kept complete by test/error-codes.test.ts, which scans this package's source for
 * code-shaped string literals and fails naming any code missing here (or listed here and no
 * longer used).
 */

/** The error codes of `@ratchet/nats`, each with when it happens. */
export const NATS_ERROR_CODES = [
  /** An option of `natsJobPublisher`, `consumeJobMessages` or `ensureJobStream` is invalid (thrown). */
  "INVALID_OPTIONS",
  /** A message of ready work was not stored by JetStream (reported to `onError`; `publish` rejects). */
  "PUBLISH_FAILED",
  /** A consumed message's body is not a JSON object (reported; the message is terminated). */
  "INVALID_MESSAGE",
  /** The host's `handleJob` threw (reported; the message is handed back after a back-off). */
  "HANDLER_FAILED",
  /** An ack, nak, term or in-progress could not be sent (reported; JetStream redelivers after the ack wait). */
  "ACK_FAILED",
  /** Pulling from the consumer failed (reported; the loop pulls again after a back-off). */
  "PULL_FAILED",
] as const;

/** One of the {@link NATS_ERROR_CODES}: a stable `code` this package uses. */
export type NatsErrorCode = (typeof NATS_ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(NATS_ERROR_CODES);

/** Whether `value` is one of the {@link NatsErrorCode}s. */
export function isNatsErrorCode(value: unknown): value is NatsErrorCode {
  return typeof value === "string" && CODES.has(value);
}
