/**
 * In-memory {@link Scheduler}: scheduled commands in an {@link InMemoryStore}, joining the
 * transactions of the store's persistence like the in-memory job transport does.
 *
 * Scheduling again replaces an entry with a new one (new id, no lease), so acknowledging the
 * fired old entry never deletes its replacement.
 */
import type { Scheduler } from "../ports/scheduler.js";
import type { TransactionScope } from "../ports/transaction.js";
import type { ScheduledCommand } from "../records.js";
import { cloneJson, copyDate } from "./copy.js";
import { pickRows } from "./select.js";
import type { InMemoryStore, ScheduledRow } from "./store.js";
import type { StoreTransaction } from "./table.js";

function copyScheduled(row: ScheduledRow): ScheduledCommand {
  return {
    id: row.id,
    type: row.type,
    correlationId: row.correlationId,
    payload: cloneJson(row.payload),
    runAt: copyDate(row.runAt),
  };
}

function cancel(
  store: InMemoryStore,
  tx: StoreTransaction,
  type: string,
  correlationId: string,
): void {
  const id = store.scheduledByKey.get(type, correlationId);
  if (id !== undefined) store.scheduled.delete(tx, id);
}

/**
 * A {@link Scheduler} over `store`, joining the transactions of the store's persistence.
 *
 * @example
 * ```ts
 * const scheduler = createInMemoryScheduler(new InMemoryStore());
 * await scheduler.schedule({ type: "run.transition", correlationId: runId, payload, runAt });
 * const due = await scheduler.claimDue({ now, limit: 10, workerId: "w1", leaseMs: 30_000 });
 * ```
 */
export function createInMemoryScheduler(store: InMemoryStore): Scheduler {
  const txOf = (scope: TransactionScope | undefined) => store.transactionOf(scope);
  return {
    joinsTransactions: true,

    schedule: (request, scope) =>
      store.execute(txOf(scope), (tx) => {
        cancel(store, tx, request.type, request.correlationId);
        const row: ScheduledRow = {
          id: crypto.randomUUID(),
          type: request.type,
          correlationId: request.correlationId,
          payload: cloneJson(request.payload),
          runAt: copyDate(request.runAt),
          leasedBy: null,
          leaseUntil: null,
          seq: store.nextSeq(),
        };
        store.scheduled.put(tx, row.id, row);
      }),

    cancel: (type, correlationId, scope) =>
      store.execute(txOf(scope), (tx) => cancel(store, tx, type, correlationId)),

    cancelByCorrelationPrefix: (prefix, scope) =>
      store.execute(txOf(scope), (tx) => {
        const doomed: string[] = [];
        for (const row of store.scheduled.values()) {
          if (row.correlationId.startsWith(prefix)) doomed.push(row.id);
        }
        for (const id of doomed) store.scheduled.delete(tx, id);
        return doomed.length;
      }),

    claimDue: ({ now, limit, workerId, leaseMs }) =>
      store.execute(undefined, (tx) => {
        const t = now.getTime();
        const due = pickRows({
          keys: store.scheduled.keys(),
          get: (id) => store.scheduled.get(id),
          accept: (row) =>
            row.runAt.getTime() <= t && (row.leaseUntil === null || row.leaseUntil.getTime() <= t),
          limit,
          compare: (a, b) => a.runAt.getTime() - b.runAt.getTime() || a.seq - b.seq,
        });
        const leaseUntil = new Date(t + leaseMs);
        return due.map((prev) => {
          const next: ScheduledRow = {
            id: prev.id,
            type: prev.type,
            correlationId: prev.correlationId,
            payload: prev.payload,
            runAt: prev.runAt,
            leasedBy: workerId,
            leaseUntil,
            seq: prev.seq,
          };
          store.scheduled.put(tx, next.id, next);
          return copyScheduled(next);
        });
      }),

    acknowledge: (ids, scope) =>
      store.execute(txOf(scope), (tx) => {
        for (const id of ids) store.scheduled.delete(tx, id);
      }),

    nextDueAfter: (now) =>
      store.execute(undefined, () => {
        const t = now.getTime();
        let next = Number.POSITIVE_INFINITY;
        for (const row of store.scheduled.values()) {
          const at = row.runAt.getTime();
          if (at > t && at < next) next = at;
        }
        return Number.isFinite(next) ? new Date(next) : null;
      }),
  };
}
