/**
 * The serverless host's errors and how an unexpected error is reported to the platform: a
 * plain `{ code, message }`, never a throw out of a message handler.
 */
import { RatchetError } from "@ratchet/kernel";
import type { z } from "zod";

/** Prefix of every message the serverless host writes. */
export const PREFIX = "[ratchet] [serverless]";

/** An option of `createServerlessHost`, `processAvailableJobs` or `publishEvents` is invalid. */
export class InvalidHostOptionsError extends RatchetError {
  constructor(message: string, field: string) {
    super("INVALID_OPTIONS", `${PREFIX} ${message}`, { field });
  }
}

/**
 * `options` checked against `schema`; throws {@link InvalidHostOptionsError} naming the first
 * offending field, its message prefixed with `what` (e.g. "publishEvents option").
 */
export function parseHostOptions<T>(schema: z.ZodType<T>, options: unknown, what: string): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") || "options";
  throw new InvalidHostOptionsError(`${what} \`${field}\`: ${issue?.message}`, field);
}

/** A reported error: what `handleJob` and `processAvailableJobs` return instead of throwing. */
export interface ReportedError {
  /** Stable code: the thrown error's `code` when it had one, else `UNEXPECTED_ERROR`. */
  code: string;
  message: string;
  /** The offending field of an invalid message. */
  field?: string;
}

/** Turns anything thrown into a {@link ReportedError}. */
export function reportError(error: unknown): ReportedError {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return {
    code: typeof e.code === "string" && e.code !== "" ? e.code : "UNEXPECTED_ERROR",
    message: typeof e.message === "string" ? e.message : `${PREFIX} ${String(error)}`,
  };
}
