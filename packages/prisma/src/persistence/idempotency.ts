/**
 * Idempotency-key statements. Keys are written in the command's own transaction, so a crash
 * never leaves a key without its effect or an effect without its key.
 */
import type { IdempotencyAcquireResult, JsonValue } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { json, parseJsonOrNull } from "../sql/rows.js";

/** Takes a key: acquired when new, replay when completed, in progress otherwise. */
export async function acquireIdempotencyKey(
  db: SqlExecutor,
  key: string,
  commandType: string,
  now: Date,
): Promise<IdempotencyAcquireResult> {
  const inserted = await db.execute(
    `INSERT INTO ratchet_idempotency_keys ("key", command_type, status, created_at) VALUES ($1, $2, 'IN_PROGRESS', $3) ON CONFLICT ("key", command_type) DO NOTHING`,
    key,
    commandType,
    db.dialect.date(now),
  );
  if (inserted > 0) return { status: "acquired" };
  const [row] = await db.query<{ status: string; result: unknown }>(
    `SELECT status, result FROM ratchet_idempotency_keys WHERE "key" = $1 AND command_type = $2`,
    key,
    commandType,
  );
  if (row?.status === "COMPLETED")
    return {
      status: "replay",
      result: parseJsonOrNull(row.result, {
        table: "ratchet_idempotency_keys",
        column: "result",
        rowId: `${commandType}:${key}`,
      }) as JsonValue,
    };
  return { status: "in_progress" };
}

/** Marks a key completed with the command's result. */
export async function completeIdempotencyKey(
  db: SqlExecutor,
  key: string,
  commandType: string,
  result: JsonValue,
): Promise<void> {
  await db.execute(
    `UPDATE ratchet_idempotency_keys SET status = 'COMPLETED', result = $3 WHERE "key" = $1 AND command_type = $2`,
    key,
    commandType,
    json(result),
  );
}
