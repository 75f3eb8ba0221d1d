/**
 * Idempotency-key operations of the in-memory persistence. A key is scoped by command type;
 * it is `in_progress` from acquire to complete (or release), then `completed` with a result.
 */
import type { IdempotencyAcquireResult } from "../ports/persistence/index.js";
import type { JsonValue } from "../records.js";
import { cloneJson, copyDate } from "./copy.js";
import { type InMemoryStore, idempotencyKey } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Takes the key, or reports the completed result or that another holder is in progress. */
export function acquireIdempotencyKey(
  store: InMemoryStore,
  tx: StoreTransaction,
  key: string,
  commandType: string,
  now: Date,
): IdempotencyAcquireResult {
  const id = idempotencyKey(key, commandType);
  const row = store.idempotencyKeys.get(id);
  if (row === undefined) {
    store.idempotencyKeys.put(tx, id, {
      key,
      commandType,
      status: "in_progress",
      result: null,
      createdAt: copyDate(now),
    });
    return { status: "acquired" };
  }
  if (row.status === "completed") return { status: "replay", result: cloneJson(row.result) };
  return { status: "in_progress" };
}

/** Stores the command's result; later acquires replay it. */
export function completeIdempotencyKey(
  store: InMemoryStore,
  tx: StoreTransaction,
  key: string,
  commandType: string,
  result: JsonValue,
): void {
  const id = idempotencyKey(key, commandType);
  const prev = store.idempotencyKeys.get(id);
  store.idempotencyKeys.put(tx, id, {
    key,
    commandType,
    status: "completed",
    result: cloneJson(result),
    createdAt: prev?.createdAt ?? null,
  });
}
