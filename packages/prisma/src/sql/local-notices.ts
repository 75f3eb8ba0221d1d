/**
 * Notices within one process (wake-ups, run ends): subscribers are told in turn, and one that
 * throws does not stop the others.
 */

/** A set of subscribers told of each notice of type `N`. */
export class LocalNotices<N> {
  private readonly listeners = new Set<(notice: N) => void>();

  /**
   * Calls `listener` on every notice until the returned function is called. The same function
   * subscribed twice is told twice, and each unsubscribe removes one.
   */
  subscribe(listener: (notice: N) => void): () => void {
    const entry = (notice: N) => listener(notice);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Tells every subscriber. A throwing listener does not stop the others. */
  emit(notice: N): void {
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch {
        // A subscriber's failure is its own; the others are still told.
      }
    }
  }

  /** How many subscribers there are. */
  get size(): number {
    return this.listeners.size;
  }
}
