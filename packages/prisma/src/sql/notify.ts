/**
 * Announcing work: after commit in this process, and through `pg_notify` in the same
 * transaction on PostgreSQL.
 */
import type { SqlExecutor } from "./executor.js";
import { WAKEUP_CHANNEL, type WakeupKind, wakeupsOf } from "./wakeups.js";

/** Announces `kind` once the current transaction (if any) commits. */
export async function announce(db: SqlExecutor, kind: WakeupKind): Promise<void> {
  await db.notify(WAKEUP_CHANNEL, kind);
  const wakeups = wakeupsOf(db.database);
  if (wakeups.size > 0) db.afterCommit(() => wakeups.emit(kind));
}
