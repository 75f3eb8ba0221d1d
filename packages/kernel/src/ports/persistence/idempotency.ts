/**
 * The idempotency part of the {@link Persistence} port: a command with an idempotency key
 * runs once; a repeat gets the first result back.
 */
import type { JsonValue } from "../../records.js";

/** Result of {@link IdempotencyStore.acquireIdempotencyKey}. */
export type IdempotencyAcquireResult =
  | { status: "acquired" }
  | { status: "replay"; result: JsonValue }
  | { status: "in_progress" };

/** Idempotency keys of commands. */
export interface IdempotencyStore {
  /**
   * Takes `key` for `commandType` (`acquired`), or reports the result of the command that
   * took it before (`replay`) or that it is still running (`in_progress`). Inside the
   * command's transaction, so a rolled-back command frees its key.
   */
  acquireIdempotencyKey(
    key: string,
    commandType: string,
    now: Date,
  ): Promise<IdempotencyAcquireResult>;
  completeIdempotencyKey(key: string, commandType: string, result: JsonValue): Promise<void>;
}
