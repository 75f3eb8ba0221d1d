/**
 * Options, handler interface and counters of `consumeJobMessages`.
 */
import type { Consumer } from "@nats-io/jetstream";
import type { NatsTransportError } from "./errors.js";

/** What `consumeJobMessages` needs of a host: `ServerlessHost` from `@ratchet/host-serverless` fits. */
export interface JobMessageHandler {
  /**
   * Claims and runs the work a message names. `ack`: whether the message is settled (false:
   * hand it back for another try); `notBefore`: the work is not due until then (the message
   * is handed back until then, even when `ack` is true).
   */
  handleJob(message: unknown): Promise<{ ack: boolean; notBefore?: Date }>;
}

/** Options of `consumeJobMessages`. */
export interface ConsumeJobMessagesOptions {
  /** A durable pull consumer: `jetstream(nc).consumers.get(stream, name)`. */
  consumer: Consumer;
  /** Handles each message (a `ServerlessHost`). */
  host: JobMessageHandler;
  /** Messages handled at once (default 4); each has its own pull pending at the server. */
  concurrency?: number;
  /** Stops the loop: no more pulls, in-flight messages finish and are settled. */
  signal?: AbortSignal;
  /**
   * The consumer's ack wait (default: read from the consumer's cached info). A message being
   * handled is reported in progress (`working()`) every third of it.
   */
  ackWaitMs?: number;
  /** How long one pull waits at the server for a message (default 5 000 ms; bounds how long stopping takes). */
  pullExpiresMs?: number;
  /** Delay before a message handed back for another try is redelivered (default 1 000 ms). */
  retryDelayMs?: number;
  /** Back-off after a failed pull (default 1 000 ms). */
  pullBackoffMs?: number;
  /** Hears what went wrong: `INVALID_MESSAGE`, `HANDLER_FAILED`, `ACK_FAILED`, `PULL_FAILED`. */
  onError?: (error: NatsTransportError) => void;
  /** Hears each message's body and what the host made of it (for logs and metrics). */
  onHandled?: (body: unknown, result: { ack: boolean; notBefore?: Date }) => void;
  /** The clock `notBefore` is compared with (default: the system clock). */
  now?: () => number;
}

/** Counters of a running loop. */
export interface ConsumeJobMessagesStats {
  /** Messages received from the consumer. */
  received: number;
  /** Acknowledged after the host settled them. */
  acked: number;
  /** Handed back until their `notBefore` (from the body or the host's result). */
  delayed: number;
  /** Handed back after a failure (`ack: false`, a throw, or received while stopping). */
  retried: number;
  /** Malformed bodies, terminated (never redelivered). */
  terminated: number;
  /** Pulls that failed. */
  pullFailures: number;
}

/** A running consumer loop. */
export interface JobMessageLoop {
  readonly stats: Readonly<ConsumeJobMessagesStats>;
  /** Resolves once the loop stopped (after `signal` aborted) and its messages are settled. */
  readonly done: Promise<ConsumeJobMessagesStats>;
}
