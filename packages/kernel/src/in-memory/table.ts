/**
 * Storage of the in-memory store: tables of rows by primary key, secondary indexes kept in
 * step with every write, and the undo log that makes transactions roll back for real.
 *
 * Stored rows are never mutated: a write replaces the row object. So the undo log only keeps
 * the previous object of each key a transaction touched, and rolling back puts it back
 * (through the same path as a write, so indexes follow).
 */
import { RatchetError } from "../errors.js";

/** A secondary index of a {@link Table}, told about every change of a row. */
export interface RowIndex<Row> {
  /** `prev` is `undefined` on insert, `next` is `undefined` on delete. */
  update(key: string, prev: Row | undefined, next: Row | undefined): void;
}

const EMPTY: ReadonlySet<string> = new Set<string>();

/**
 * Whether a row update leaves every field an index reads untouched, so the index can skip
 * recomputing (the common case: a status-only change of a stage leaves its run index alone).
 */
function unchanged<Row extends object>(
  fields: readonly (keyof Row)[],
  prev: Row | undefined,
  next: Row | undefined,
): boolean {
  if (prev === undefined || next === undefined) return false;
  for (const field of fields) if (prev[field] !== next[field]) return false;
  return true;
}

/** Keys of the rows that satisfy a predicate (e.g. pending jobs). */
export class FilterIndex<Row extends object> implements RowIndex<Row> {
  private readonly keys = new Set<string>();

  /** `fields` are the row fields `test` reads. */
  constructor(
    private readonly fields: readonly (keyof Row)[],
    private readonly test: (row: Row) => boolean,
  ) {}

  /** @inheritDoc */
  update(key: string, prev: Row | undefined, next: Row | undefined): void {
    if (unchanged(this.fields, prev, next)) return;
    const was = prev !== undefined && this.test(prev);
    const is = next !== undefined && this.test(next);
    if (was === is) return;
    if (is) this.keys.add(key);
    else this.keys.delete(key);
  }

  /** Keys of the matching rows (live view: copy it before writing to the table). */
  get values(): ReadonlySet<string> {
    return this.keys;
  }
}

/** Keys grouped by a value of the row (e.g. stages by run); a `null` group leaves a row out. */
export class GroupIndex<Row extends object> implements RowIndex<Row> {
  private readonly groups = new Map<string, Set<string>>();

  /** `fields` are the row fields `groupOf` reads. */
  constructor(
    private readonly fields: readonly (keyof Row)[],
    private readonly groupOf: (row: Row) => string | null,
  ) {}

  /** @inheritDoc */
  update(key: string, prev: Row | undefined, next: Row | undefined): void {
    if (unchanged(this.fields, prev, next)) return;
    const from = prev === undefined ? null : this.groupOf(prev);
    const to = next === undefined ? null : this.groupOf(next);
    if (from === to) return;
    if (from !== null) {
      const keys = this.groups.get(from);
      if (keys) {
        keys.delete(key);
        if (keys.size === 0) this.groups.delete(from);
      }
    }
    if (to !== null) {
      let keys = this.groups.get(to);
      if (!keys) {
        keys = new Set();
        this.groups.set(to, keys);
      }
      keys.add(key);
    }
  }

  /** Keys in a group (live view: copy it before writing to the table). */
  keysOf(group: string): ReadonlySet<string> {
    return this.groups.get(group) ?? EMPTY;
  }

  /** Every non-empty group. */
  groupNames(): IterableIterator<string> {
    return this.groups.keys();
  }
}

/**
 * The rows that satisfy a predicate, kept sorted by a total order (e.g. pending jobs in
 * dequeue order), so a claim reads the first few instead of scanning every candidate.
 *
 * A sorted array with a moving head: rows mostly enter at the end (newest) and leave at the
 * front (claimed first), and both are O(log n); a row elsewhere moves with `splice`.
 */
export class OrderedIndex<Row extends object> implements RowIndex<Row> {
  private items: (Row | undefined)[] = [];
  private head = 0;

  /**
   * `fields` are the row fields `test` and `compare` read; `compare` must be a total order
   * over the rows (end with a unique tie-break), so each row has exactly one position.
   */
  constructor(
    private readonly fields: readonly (keyof Row)[],
    private readonly test: (row: Row) => boolean,
    private readonly compare: (a: Row, b: Row) => number,
  ) {}

  /** @inheritDoc */
  update(_key: string, prev: Row | undefined, next: Row | undefined): void {
    if (unchanged(this.fields, prev, next)) {
      // Same membership and position: at most the row object changes.
      if (this.test(prev as Row)) this.items[this.find(prev as Row)] = next;
      return;
    }
    if (prev !== undefined && this.test(prev)) this.remove(prev);
    if (next !== undefined && this.test(next)) this.insert(next);
  }

  /** Number of rows in the index. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** The first `limit` rows that `accept` takes, in order. */
  first(limit: number, accept?: (row: Row) => boolean): Row[] {
    const out: Row[] = [];
    const items = this.items;
    for (let i = this.head; i < items.length && out.length < limit; i++) {
      const row = items[i] as Row;
      if (accept === undefined || accept(row)) out.push(row);
    }
    return out;
  }

  /** Position of the first row not ordered before `row`. */
  private lowerBound(row: Row): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.items[mid] as Row, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private find(row: Row): number {
    // Claims take rows from the front: look there before searching.
    if (this.items[this.head] === row) return this.head;
    const at = this.lowerBound(row);
    if (this.items[at] === undefined || this.compare(this.items[at] as Row, row) !== 0) {
      throw new Error("[ratchet] [in-memory] internal: ordered index lost a row");
    }
    return at;
  }

  private insert(row: Row): void {
    const items = this.items;
    // New rows are usually the newest, so they go at the end: check that first.
    if (items.length === this.head || this.compare(items[items.length - 1] as Row, row) < 0) {
      items.push(row);
      return;
    }
    const at = this.lowerBound(row);
    if (at === this.items.length) this.items.push(row);
    else if (at === this.head && this.head > 0) this.items[--this.head] = row;
    else this.items.splice(at, 0, row);
  }

  private remove(row: Row): void {
    const at = this.find(row);
    if (at === this.head) {
      this.items[at] = undefined;
      this.head += 1;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    } else if (at === this.items.length - 1) {
      this.items.pop();
    } else {
      this.items.splice(at, 1);
    }
  }
}

/** Error for a write through a transaction that has already committed or rolled back. */
export function transactionClosedError(): RatchetError {
  return new RatchetError(
    "TRANSACTION_CLOSED",
    "[ratchet] [in-memory] this transaction has already committed or rolled back",
  );
}

/** How many distinct dates a {@link StoreTransaction} remembers for reuse. */
const DATE_SLOTS = 4;

/** What the undo log needs of a table. */
interface Restorable {
  restore(key: string, row: unknown): void;
}

/** Rows by primary key, with secondary indexes. Writes go through a {@link StoreTransaction}. */
export class Table<Row> implements Restorable {
  /** Rows by key (a subclass may hold some elsewhere until it writes them here). */
  protected readonly rows = new Map<string, Row>();

  constructor(private readonly indexes: readonly RowIndex<Row>[] = []) {}

  /** The stored row (do not mutate it). */
  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  /** Number of rows. */
  get size(): number {
    return this.rows.size;
  }

  /** Every primary key (copy them before writing to the table). */
  keys(): IterableIterator<string> {
    return this.rows.keys();
  }

  /** Every stored row (copy the rows you want before writing to the table). */
  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  /** Inserts or replaces a row; the row object must not be mutated afterwards. */
  put(tx: StoreTransaction, key: string, row: Row): void {
    this.replace(tx, key, this.rows.get(key), row);
  }

  /**
   * Writes `row` where the caller just read `prev` (`undefined`: checked absent), sparing the
   * lookup `put` makes; the row object must not be mutated afterwards.
   */
  replace(tx: StoreTransaction, key: string, prev: Row | undefined, row: Row): void {
    tx.record(this, key, prev);
    this.rows.set(key, row);
    this.reindex(key, prev, row);
  }

  /** Deletes a row; returns whether there was one. */
  delete(tx: StoreTransaction, key: string): boolean {
    const prev = this.rows.get(key);
    if (prev === undefined) return false;
    tx.record(this, key, prev);
    this.rows.delete(key);
    this.reindex(key, prev, undefined);
    return true;
  }

  /** Puts back a row as it was before a write (used by the undo log only). */
  restore(key: string, row: Row | undefined): void {
    const prev = this.rows.get(key);
    if (row === undefined) this.rows.delete(key);
    else this.rows.set(key, row);
    this.reindex(key, prev, row);
  }

  /** Tells every index about a change of the row at `key`. */
  protected reindex(key: string, prev: Row | undefined, next: Row | undefined): void {
    for (const index of this.indexes) index.update(key, prev, next);
  }
}

/**
 * An open transaction of the in-memory store: an undo log of (table, key, previous row)
 * entries. Commit drops the log; rollback replays it backwards.
 */
export class StoreTransaction {
  /** Flat triples `table, key, previous row`, to keep allocation low on the hot path. */
  private undo: unknown[] = [];
  private open = true;
  /**
   * The last {@link DATE_SLOTS} distinct dates this transaction stored or was told about
   * ({@link share}), newest in the slot after {@link nextDateSlot} wraps.
   */
  private readonly dates: (Date | undefined)[] = [undefined, undefined, undefined, undefined];
  private nextDateSlot = 0;

  /**
   * A copy of `date` to store in a row. Stored dates are never changed (a write replaces its
   * row) and reads hand out copies, so one copy serves every field this transaction writes
   * with the same time: a commit that stamps a dozen fields with its `now`, its lease end and
   * its run's creation time keeps one `Date` per time, not a dozen, for as long as the rows
   * live. A commit interleaves a few times (a job's availability, lease end and dequeue key;
   * an event's time between two rows stamped `now`), so the last few are remembered, not only
   * the last one.
   */
  date(date: Date): Date {
    const time = date.getTime();
    const dates = this.dates;
    for (let i = 0; i < DATE_SLOTS; i++) {
      const kept = dates[i];
      if (kept !== undefined && kept.getTime() === time) return kept;
    }
    const copy = new Date(time);
    this.keep(copy);
    return copy;
  }

  /** {@link date}, passing `null` through. */
  nullableDate(date: Date | null): Date | null {
    return date === null ? null : this.date(date);
  }

  /**
   * Lets later writes of this transaction reuse `stored`, a date already held by a stored row
   * (so never changed), for fields with the same time: e.g. a job's dequeue key, which is
   * usually its run's creation time.
   */
  share(stored: Date): void {
    const time = stored.getTime();
    for (const kept of this.dates) if (kept !== undefined && kept.getTime() === time) return;
    this.keep(stored);
  }

  private keep(date: Date): void {
    this.dates[this.nextDateSlot] = date;
    this.nextDateSlot = (this.nextDateSlot + 1) % DATE_SLOTS;
  }

  /** Whether the transaction can still be written to. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Throws {@link transactionClosedError} when the transaction has already ended. */
  assertOpen(): void {
    if (!this.open) throw transactionClosedError();
  }

  /** Records the row a write is about to replace. */
  record(table: Restorable, key: string, prev: unknown): void {
    this.assertOpen();
    this.undo.push(table, key, prev);
  }

  /** A savepoint: the current length of the undo log. */
  mark(): number {
    return this.undo.length;
  }

  /** Undoes every write made after `mark`, newest first. */
  rollbackTo(mark: number): void {
    const undo = this.undo;
    for (let i = undo.length - 3; i >= mark; i -= 3) {
      (undo[i] as Restorable).restore(undo[i + 1] as string, undo[i + 2]);
    }
    undo.length = mark;
  }

  /** Keeps every write and closes the transaction. */
  commit(): void {
    this.open = false;
    this.undo = [];
  }

  /** Undoes every write and closes the transaction. */
  rollback(): void {
    this.rollbackTo(0);
    this.open = false;
  }
}
