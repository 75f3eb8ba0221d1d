/**
 * `createPrismaScheduler`: the `Scheduler` port as a table in the run database, joining the
 * persistence adapter's transactions. Due entries are leased to one host at a time; scheduling
 * again gives the entry a new id, so acknowledging the fired one cannot delete its successor.
 */
import type { ScheduledCommand, Scheduler } from "@ratchet/kernel/adapter";
import type { SqlExecutor } from "../sql/executor.js";
import { executorOf, type PrismaAdapterOptions } from "../sql/prisma-executor.js";
import type { RawRootClient } from "../sql/raw-client.js";
import { json, parseJsonObject, type RowSource, toDate, toDateOrNull } from "../sql/rows.js";
import { executorFor } from "../sql/scope.js";

const SCHEDULED: RowSource = { table: "ratchet_scheduled_commands", idColumn: "id" };

function commandFromRow(row: Record<string, unknown>): ScheduledCommand {
  return {
    id: row.id as string,
    type: row.type as string,
    correlationId: row.correlation_id as string,
    payload: parseJsonObject(row.payload, SCHEDULED, row, "payload"),
    runAt: toDate(row.run_at),
  };
}

/** The `Scheduler` port over a shared executor (used by the stack helpers). */
export function schedulerOver(root: SqlExecutor): Scheduler {
  const d = root.dialect;
  return {
    joinsTransactions: true,

    async schedule(request, scope) {
      const now = new Date();
      await executorFor(root, scope).execute(
        `INSERT INTO ratchet_scheduled_commands (id, type, correlation_id, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (type, correlation_id) DO UPDATE SET id = excluded.id, payload = excluded.payload, run_at = excluded.run_at, leased_by = NULL, lease_until = NULL`,
        crypto.randomUUID(),
        request.type,
        request.correlationId,
        json(request.payload),
        d.date(request.runAt),
        d.date(now),
      );
    },

    async cancel(type, correlationId, scope) {
      await executorFor(root, scope).execute(
        "DELETE FROM ratchet_scheduled_commands WHERE type = $1 AND correlation_id = $2",
        type,
        correlationId,
      );
    },

    cancelByCorrelationPrefix: (prefix, scope) =>
      executorFor(root, scope).execute(
        "DELETE FROM ratchet_scheduled_commands WHERE substr(correlation_id, 1, length($1)) = $1",
        prefix,
      ),

    async claimDue({ now, limit, workerId, leaseMs }) {
      const rows = await root.query(
        `WITH picked AS MATERIALIZED (
           SELECT id FROM ratchet_scheduled_commands
           WHERE run_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY run_at, id LIMIT $4 ${d.skipLocked})
         UPDATE ratchet_scheduled_commands SET leased_by = $2, lease_until = $3
         WHERE ${d.oneOf("id", "SELECT id FROM picked")}
         RETURNING id, type, correlation_id, payload, run_at`,
        d.date(now),
        workerId,
        d.date(new Date(now.getTime() + leaseMs)),
        limit,
      );
      return rows
        .map(commandFromRow)
        .sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || (a.id < b.id ? -1 : 1));
    },

    async acknowledge(ids, scope) {
      if (ids.length === 0) return;
      const marks = ids.map((_, i) => `$${i + 1}`).join(", ");
      await executorFor(root, scope).execute(
        `DELETE FROM ratchet_scheduled_commands WHERE id IN (${marks})`,
        ...ids,
      );
    },

    async nextDueAfter(now) {
      const [row] = await root.query(
        "SELECT min(run_at) AS next FROM ratchet_scheduled_commands WHERE run_at > $1",
        d.date(now),
      );
      return toDateOrNull(row?.next);
    },
  };
}

/** Creates the scheduler over a Prisma client (PostgreSQL or SQLite). */
export function createPrismaScheduler(
  prisma: RawRootClient,
  options: PrismaAdapterOptions = {},
): Scheduler {
  return schedulerOver(executorOf(prisma, options));
}
