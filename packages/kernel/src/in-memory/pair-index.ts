/**
 * The in-memory store's unique index on a pair of row values (e.g. an outbox event by run and
 * sequence), which also lists the keys of each outer value's rows (a run's events).
 */
import type { RowIndex } from "./table.js";

const EMPTY: ReadonlySet<string> = new Set<string>();

/** Keys of the rows in one group of an index: iterable, with a count (a live view). */
export interface KeyView extends Iterable<string> {
  readonly size: number;
}

/** An index that lists the keys of the rows in a group (e.g. a run's stages). */
export interface KeysByGroup {
  /** Keys in a group (live view: copy it before writing to the table). */
  keysOf(group: string): KeyView;
}

/** The keys of one inner map of a {@link PairIndex}, as a {@link KeyView}. */
class InnerKeys<Inner> implements KeyView {
  constructor(private readonly inner: ReadonlyMap<Inner, string>) {}

  get size(): number {
    return this.inner.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.inner.values();
  }
}

/**
 * One key per pair of values (e.g. an outbox event by run and sequence): a map of maps, so a
 * lookup needs no composite string built and hashed. Callers check for conflicts first.
 *
 * It also groups keys by the outer value ({@link keysOf}): a run's stages or events are the
 * values of its inner map, so no separate group index (a set per run, and one more update per
 * insert) is kept for them.
 */
export class PairIndex<Row extends object, Inner> implements RowIndex<Row>, KeysByGroup {
  private readonly groups = new Map<string, Map<Inner, string>>();

  /** `same` tells whether two rows have the same pair (so an update can skip the index). */
  constructor(
    private readonly outerOf: (row: Row) => string,
    private readonly innerOf: (row: Row) => Inner,
    private readonly same: (a: Row, b: Row) => boolean,
  ) {}

  /** @inheritDoc */
  update(key: string, prev: Row | undefined, next: Row | undefined): void {
    if (prev !== undefined && next !== undefined && this.same(prev, next)) return;
    if (prev !== undefined) {
      const outer = this.outerOf(prev);
      const inner = this.groups.get(outer);
      const at = this.innerOf(prev);
      if (inner !== undefined && inner.get(at) === key) {
        inner.delete(at);
        if (inner.size === 0) this.groups.delete(outer);
      }
    }
    if (next !== undefined) {
      const outer = this.outerOf(next);
      let inner = this.groups.get(outer);
      if (inner === undefined) {
        inner = new Map();
        this.groups.set(outer, inner);
      }
      inner.set(this.innerOf(next), key);
    }
  }

  /** The key of the row holding the pair, if any. */
  get(outer: string, inner: Inner): string | undefined {
    return this.groups.get(outer)?.get(inner);
  }

  /** Keys of the rows whose outer value is `outer`, in insertion order (live view). */
  keysOf(outer: string): KeyView {
    const inner = this.groups.get(outer);
    return inner === undefined ? EMPTY : new InnerKeys(inner);
  }
}
