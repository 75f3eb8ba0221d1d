/**
 * The errors of `@ratchet/cloudflare`: invalid options (thrown when a publisher or a batch
 * handler is made), a failed `sendBatch` (reported to `onError`), and how anything thrown is
 * turned into a plain `{ code, message }` report.
 */
import { RatchetError } from "@ratchet/kernel";

/** Prefix of every message this package writes. */
export const PREFIX = "[ratchet] [cloudflare]";

/** An option of `queueJobPublisher` or `handleQueueBatch` is invalid. */
export class InvalidCloudflareOptionsError extends RatchetError {
  constructor(message: string, field: string) {
    super("INVALID_OPTIONS", `${PREFIX} ${message}`, { field });
  }
}

/** A `sendBatch` call of `queueJobPublisher` failed; `cause` is what the binding threw. */
export class QueueSendError extends RatchetError {
  /** How many messages the failed call carried. */
  readonly messages: number;
  constructor(messages: number, cause: unknown) {
    super(
      "QUEUE_SEND_FAILED",
      `${PREFIX} sendBatch of ${messages} message(s) failed: ${describe(cause)}`,
      { cause },
    );
    this.messages = messages;
  }
}

/** A plain report of an error: what `handleQueueBatch` hands to `onError`. */
export interface ErrorReport {
  /** Stable code: the thrown error's `code` when it had one, else `UNEXPECTED_ERROR`. */
  code: string;
  message: string;
}

/** Turns anything thrown into an {@link ErrorReport}. */
export function reportError(error: unknown): ErrorReport {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown };
  return {
    code: typeof e.code === "string" && e.code !== "" ? e.code : "UNEXPECTED_ERROR",
    message: describe(error),
  };
}

function describe(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/** Throws `INVALID_OPTIONS` unless `value` is undefined or an integer in `[min, max]`. */
export function checkInteger(field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidCloudflareOptionsError(
      `option \`${field}\` must be an integer from ${min} to ${max} (got ${String(value)})`,
      field,
    );
  }
}

/** The part of `console` this package writes to. */
export interface PlatformConsole {
  error(...args: unknown[]): void;
}

/** The platform's `console` (Workers and Node have one), or undefined where there is none. */
export function platformConsole(): PlatformConsole | undefined {
  return (globalThis as { console?: PlatformConsole }).console;
}
