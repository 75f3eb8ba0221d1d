/**
 * A bounded cache of decoded stage outputs, keyed by stage record id. Outputs of a completed
 * stage record never change (a rerun creates new records), so entries never go stale; the
 * cache only saves reads when later stages of a run need earlier outputs.
 */

/** Least-recently-used cache of stage outputs with a byte budget. */
export class OutputCache {
  private readonly entries = new Map<string, { readonly value: unknown; readonly bytes: number }>();
  private bytes = 0;
  /**
   * The key last set or read: when it is still in {@link entries}, it is the last entry (the
   * most recently used); a deleted one is only set again by {@link set}, which updates it. The
   * usual read is of the output the run's previous stage just cached, already the most recent:
   * it then needs no move (a delete and a set, which also leave a hole the map compacts later).
   */
  private newest: string | undefined;

  constructor(private readonly maxBytes: number) {}

  /** The cached output (as its entry: read `value`), marking it most recently used. */
  get(stageRecordId: string): { readonly value: unknown } | undefined {
    const entry = this.entries.get(stageRecordId);
    if (!entry) return undefined;
    if (stageRecordId !== this.newest) {
      this.entries.delete(stageRecordId);
      this.entries.set(stageRecordId, entry);
      this.newest = stageRecordId;
    }
    return entry;
  }

  /** Drops the cached output of a stage record, if any. */
  delete(stageRecordId: string): void {
    const entry = this.entries.get(stageRecordId);
    if (entry === undefined) return;
    this.entries.delete(stageRecordId);
    this.bytes -= entry.bytes;
  }

  /** Caches an output of `bytes` bytes, evicting the least recently used ones over budget. */
  set(stageRecordId: string, value: unknown, bytes: number): void {
    if (bytes > this.maxBytes) return;
    const existing = this.entries.get(stageRecordId);
    if (existing) {
      this.bytes -= existing.bytes;
      this.entries.delete(stageRecordId);
    }
    this.entries.set(stageRecordId, { value, bytes });
    this.newest = stageRecordId;
    this.bytes += bytes;
    if (this.bytes <= this.maxBytes) return;
    // Oldest first; the entry just set fits the budget alone, so it is never evicted here.
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}
