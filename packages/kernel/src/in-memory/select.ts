/**
 * Picking the first few rows in an order without sorting them all: claims and dequeues take
 * a handful of rows out of possibly many candidates.
 */

/** How {@link pickRows} finds and orders candidates. */
export interface PickOptions<T> {
  /** Candidate keys, usually from an index. */
  keys: Iterable<string>;
  get: (key: string) => T | undefined;
  /** Whether a candidate qualifies. */
  accept: (row: T) => boolean;
  limit: number;
  compare: (a: T, b: T) => number;
}

/**
 * The first `limit` qualifying rows by `compare`, in order. Linear in the number of
 * candidates for the small limits that claims and dequeues use.
 */
export function pickRows<T>({ keys, get, accept, limit, compare }: PickOptions<T>): T[] {
  const best: T[] = [];
  if (limit <= 0) return best;
  for (const key of keys) {
    const row = get(key);
    if (row === undefined || !accept(row)) continue;
    if (best.length >= limit) {
      if (compare(row, best[best.length - 1] as T) >= 0) continue;
      best.pop();
    }
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(best[mid] as T, row) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, row);
  }
  return best;
}

/** Rows for `keys`, skipping keys without a row. */
export function rowsOf<T>(keys: Iterable<string>, get: (key: string) => T | undefined): T[] {
  const rows: T[] = [];
  for (const key of keys) {
    const row = get(key);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

/** Deterministic order of ids (code-unit order, as `Array.prototype.sort` does). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
