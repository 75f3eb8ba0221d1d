/**
 * The CLI's own errors. Both are {@link RatchetError}s with a stable `code`, like every other
 * error Ratchet raises; `hint` says what to do about it.
 */
import { RatchetError } from "@ratchet/kernel";

/** Bad usage: unknown command or option, missing or malformed argument (exit code 2). */
export class UsageError extends RatchetError {
  /** What to do about it (printed on its own line). */
  readonly hint: string | undefined;

  constructor(message: string, options: { field?: string; hint?: string; cause?: unknown } = {}) {
    super("USAGE", message, {
      ...(options.field === undefined ? {} : { field: options.field }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.hint = options.hint;
  }

  override toJSON(): Record<string, unknown> {
    return this.hint === undefined ? super.toJSON() : { ...super.toJSON(), hint: this.hint };
  }
}

/** The database cannot be reached or opened (exit code 3). */
export class DatabaseUnreachableError extends RatchetError {
  /** What to do about it (printed on its own line). */
  readonly hint: string;

  constructor(message: string, hint: string, cause?: unknown) {
    super("DATABASE_UNREACHABLE", message, cause === undefined ? {} : { cause });
    this.hint = hint;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), hint: this.hint };
  }
}
