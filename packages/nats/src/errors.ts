/**
 * The errors of `@ratchet/nats`: `RatchetError`s with a stable code (see error-codes.ts).
 */
import { RatchetError } from "@ratchet/kernel";
import type { NatsErrorCode } from "./error-codes.js";

/** Prefix of every message this package writes. */
export const PREFIX = "[ratchet] [nats]";

/** An error of the NATS transport; `code` is one of the `NATS_ERROR_CODES`. */
export class NatsTransportError extends RatchetError {
  declare readonly code: NatsErrorCode;
  constructor(
    code: NatsErrorCode,
    message: string,
    options: { cause?: unknown; field?: string; jobId?: string; workflowRunId?: string } = {},
  ) {
    super(code, `${PREFIX} ${message}`, options);
  }
}

/** Throws `INVALID_OPTIONS` naming `field` unless `ok`. */
export function requireOption(ok: boolean, field: string, message: string): void {
  if (!ok) throw new NatsTransportError("INVALID_OPTIONS", `${field}: ${message}`, { field });
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
