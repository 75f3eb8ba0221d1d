/**
 * A {@link Table} for rows that are written once with a new key and then rarely read by key
 * (the outbox: a commit stores its events, and they are read by run until a publisher marks
 * them).
 *
 * Why: the kernel's ids are UUIDv7, so a new key is almost always greater than every key the
 * table has held. Such a key cannot be taken, so the insert needs no lookup, and the row waits
 * in an array instead of going into the table's map at once: inserting a fresh key into a map
 * of a hundred thousand events costs a few cache misses (its bucket, the entries and key
 * strings on its chain), and in W4, where nothing publishes, those inserts and the
 * duplicate-key checks before them were 6–7% of the CPU profile. The waiting rows move into
 * the map, in their order, before anything else reads or writes the table, so nothing can tell
 * them apart from rows inserted directly (indexes are told about every insert as it happens).
 */
import type { StoreTransaction } from "./table.js";
import { Table } from "./table.js";

/**
 * A {@link Table} whose inserts wait outside its map (see the module comment) until anything
 * other than an insert or a {@link has} check touches it.
 */
export class FreshKeyTable<Row> extends Table<Row> {
  /** Rows inserted and not yet in the map: flat pairs `key, row`, in insertion order. */
  private pending: unknown[] = [];
  /** The keys of {@link pending}, sorted (fresh keys, the usual case, go at the end). */
  private pendingKeys: string[] = [];
  /** The greatest key the table has ever held (`undefined`: none): any greater one is free. */
  private maxKey: string | undefined;

  /**
   * Whether `key` is taken. A key greater than every key the table has held is free without a
   * lookup; another (an id made before the last one stored) is looked up in the map and among
   * the waiting keys, searched from the end, where it almost always is.
   */
  has(key: string): boolean {
    if (this.maxKey === undefined || key > this.maxKey) return false;
    if (this.rows.has(key)) return true;
    const keys = this.pendingKeys;
    const at = this.position(key);
    return at < keys.length && keys[at] === key;
  }

  /** @inheritDoc */
  override get(key: string): Row | undefined {
    this.flush();
    return this.rows.get(key);
  }

  /** @inheritDoc */
  override get size(): number {
    this.flush();
    return this.rows.size;
  }

  /** @inheritDoc */
  override keys(): IterableIterator<string> {
    this.flush();
    return this.rows.keys();
  }

  /** @inheritDoc */
  override values(): IterableIterator<Row> {
    this.flush();
    return this.rows.values();
  }

  /** @inheritDoc */
  override put(tx: StoreTransaction, key: string, row: Row): void {
    this.flush();
    super.put(tx, key, row);
    this.noteKey(key);
  }

  /**
   * @inheritDoc
   * An insert (`prev` undefined: the caller checked the key free, e.g. with {@link has})
   * waits outside the map; any other write goes to the map.
   */
  override replace(tx: StoreTransaction, key: string, prev: Row | undefined, row: Row): void {
    if (prev !== undefined) {
      this.flush();
      super.replace(tx, key, prev, row);
      this.noteKey(key);
      return;
    }
    tx.record(this, key, undefined);
    this.pending.push(key, row);
    const keys = this.pendingKeys;
    const last = keys[keys.length - 1];
    if (last === undefined || key > last) keys.push(key);
    else keys.splice(this.position(key), 0, key);
    this.noteKey(key);
    this.reindex(key, undefined, row);
  }

  /** @inheritDoc */
  override delete(tx: StoreTransaction, key: string): boolean {
    this.flush();
    return super.delete(tx, key);
  }

  /** @inheritDoc */
  override restore(key: string, row: Row | undefined): void {
    this.flush();
    super.restore(key, row);
    this.noteKey(key);
  }

  private noteKey(key: string): void {
    if (this.maxKey === undefined || key > this.maxKey) this.maxKey = key;
  }

  /**
   * Where `key` is or would go among the waiting keys: the first position whose key is not
   * below it. Searched from the end, in steps that double, then by halves: a key out of order
   * is usually one of the last few.
   */
  private position(key: string): number {
    const keys = this.pendingKeys;
    let hi = keys.length;
    let step = 1;
    let lo = hi - step;
    while (lo > 0 && (keys[lo] as string) >= key) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
    if (lo < 0) lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Moves the waiting rows into the map, in the order they were inserted. */
  private flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    for (let i = 0; i < pending.length; i += 2) {
      this.rows.set(pending[i] as string, pending[i + 1] as Row);
    }
    this.pending = [];
    this.pendingKeys = [];
  }
}
