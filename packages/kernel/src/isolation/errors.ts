/** Errors crossing between an isolated stage and the kernel, rebuilt on the other side. */
import { NonRetryableError } from "../errors.js";
import type { IsolatedError } from "./protocol.js";

/**
 * An error as the stage threw it, rebuilt: a `NonRetryableError` (same code) when it was one,
 * else an `Error` with the same name, message, `code` and stack, so the attempt is stored and
 * retried exactly as if the stage had thrown in the worker.
 */
export function fromIsolatedError(error: IsolatedError): Error {
  if (error.nonRetryable) {
    const rebuilt = new NonRetryableError(error.message, error.code ? { code: error.code } : {});
    if (error.stack !== undefined) rebuilt.stack = error.stack;
    return rebuilt;
  }
  const rebuilt = new Error(error.message) as Error & { code?: string };
  rebuilt.name = error.name;
  if (error.code !== undefined) rebuilt.code = error.code;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
