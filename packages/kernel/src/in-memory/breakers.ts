/**
 * Circuit-breaker operations of the in-memory persistence. The store's one lock serialises
 * transactions, so a breaker read in one is as good as locked until it ends.
 */
import type { BreakerRecord, BreakerWrite } from "../ports/persistence/breakers.js";
import { copyDate, copyNullableDate } from "./copy.js";
import type { InMemoryStore } from "./store.js";
import type { StoreTransaction } from "./table.js";

/** Copy of a stored breaker. */
function copyBreaker(row: BreakerRecord): BreakerRecord {
  return {
    name: row.name,
    state: row.state,
    failures: row.failures.map(copyDate),
    openedAt: copyNullableDate(row.openedAt),
    openedFailures: row.openedFailures,
    halfOpenAt: copyNullableDate(row.halfOpenAt),
    probes: row.probes.map((p) => ({ jobId: p.jobId, until: copyDate(p.until) })),
    lastError: row.lastError ? { code: row.lastError.code, message: row.lastError.message } : null,
    version: row.version,
    updatedAt: copyDate(row.updatedAt),
  };
}

/** A breaker by name. */
export function getBreaker(store: InMemoryStore, name: string): BreakerRecord | null {
  const row = store.breakers.get(name);
  return row === undefined ? null : copyBreaker(row);
}

/** Every breaker, by name. */
export function listBreakers(store: InMemoryStore): BreakerRecord[] {
  return [...store.breakers.values()]
    .map(copyBreaker)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The breaker's row, created closed when missing. */
export function lockBreaker(
  store: InMemoryStore,
  tx: StoreTransaction,
  name: string,
  now: Date,
): BreakerRecord {
  const found = store.breakers.get(name);
  if (found !== undefined) return copyBreaker(found);
  const row: BreakerRecord = {
    name,
    state: "CLOSED",
    failures: [],
    openedAt: null,
    openedFailures: 0,
    halfOpenAt: null,
    probes: [],
    lastError: null,
    version: 1,
    updatedAt: copyDate(now),
  };
  store.breakers.replace(tx, name, undefined, row);
  return copyBreaker(row);
}

/** Writes a breaker; its new version. */
export function saveBreaker(
  store: InMemoryStore,
  tx: StoreTransaction,
  breaker: BreakerWrite,
): number {
  const prev = store.breakers.get(breaker.name);
  const version = (prev?.version ?? 0) + 1;
  store.breakers.replace(tx, breaker.name, prev, copyBreaker({ ...breaker, version }));
  return version;
}

/** Deletes a breaker; whether there was one. */
export function deleteBreaker(store: InMemoryStore, tx: StoreTransaction, name: string): boolean {
  return store.breakers.delete(tx, name);
}
