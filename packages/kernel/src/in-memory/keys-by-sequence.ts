/**
 * One run's outbox event keys by sequence, for the in-memory outbox's run index: a map from
 * sequence to key that lists its keys in insertion order, as a `Map<number, string>` does.
 *
 * A run's events almost always arrive numbered one after another (the kernel appends each
 * commit's events from the run's `eventSeq`). While they do, the keys sit in an array at
 * `sequence - first`: a lookup is an index, and the array grows without rehashing. A map
 * holding a run's nine or so events was rehashed twice as it grew (4, 8, 16 entries: a runtime
 * call each), and that `set` was 3.7–4.2% of W4's CPU profile. Any other insert (a gap, a
 * sequence out of order, one written again after its removal) moves the keys to a map first,
 * in their order, so the order is always the insertion order.
 */
export class KeysBySequence {
  /** While dense: the key of sequence `first + i` at `i`; `undefined` once removed. */
  private dense: (string | undefined)[] | undefined = [];
  private first = 0;
  /** Once not dense: every key by sequence, in insertion order. */
  private map: Map<number, string> | undefined;
  private count = 0;

  /** Number of keys. */
  get size(): number {
    return this.map === undefined ? this.count : this.map.size;
  }

  /** The key of `sequence`, if any. */
  get(sequence: number): string | undefined {
    if (this.dense === undefined) return this.map?.get(sequence);
    const at = sequence - this.first;
    return Number.isInteger(at) && at >= 0 && at < this.dense.length ? this.dense[at] : undefined;
  }

  /** Sets the key of `sequence`: in place when it has one, else after every other key. */
  set(sequence: number, key: string): void {
    const dense = this.dense;
    if (dense !== undefined) {
      if (dense.length === 0) this.first = sequence;
      const at = sequence - this.first;
      if (at === dense.length) {
        dense.push(key);
        this.count += 1;
        return;
      }
      if (Number.isInteger(at) && at >= 0 && at < dense.length && dense[at] !== undefined) {
        dense[at] = key;
        return;
      }
      this.toMap();
    }
    this.map?.set(sequence, key);
  }

  /** Removes the key of `sequence`; whether there was one. */
  delete(sequence: number): boolean {
    const dense = this.dense;
    if (dense === undefined) return this.map?.delete(sequence) ?? false;
    const at = sequence - this.first;
    if (!Number.isInteger(at) || at < 0 || at >= dense.length || dense[at] === undefined)
      return false;
    dense[at] = undefined;
    this.count -= 1;
    return true;
  }

  /** The keys in insertion order (live, like a map's iterator). */
  *values(): IterableIterator<string> {
    if (this.dense === undefined) {
      if (this.map !== undefined) yield* this.map.values();
      return;
    }
    const dense = this.dense;
    for (let i = 0; i < dense.length; i++) {
      const key = dense[i];
      if (key !== undefined) yield key;
    }
  }

  /** Moves the keys to a map, in their order (dense keys went in by increasing sequence). */
  private toMap(): void {
    const dense = this.dense as (string | undefined)[];
    const map = new Map<number, string>();
    for (let i = 0; i < dense.length; i++) {
      const key = dense[i];
      if (key !== undefined) map.set(this.first + i, key);
    }
    this.map = map;
    this.dense = undefined;
  }
}
