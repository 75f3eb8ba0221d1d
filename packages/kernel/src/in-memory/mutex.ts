/**
 * A first-come, first-served async mutex: the in-memory store's stand-in for a database's
 * locks. Uncontended `lock()` resolves without queueing, so the hot path stays cheap.
 */

const UNLOCKED: Promise<void> = Promise.resolve();

/** Async mutual exclusion, granted in request order. */
export class AsyncMutex {
  private locked = false;
  private waiters: Array<() => void> = [];
  private head = 0;

  /** Resolves once the caller holds the mutex; pair every call with {@link AsyncMutex.unlock}. */
  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return UNLOCKED;
    }
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
    });
  }

  /** Takes the mutex if it is free; pair a `true` result with {@link AsyncMutex.unlock}. */
  tryLock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  /** Hands the mutex to the next waiter, or frees it. */
  unlock(): void {
    const next = this.waiters[this.head];
    if (next === undefined) {
      this.locked = false;
      return;
    }
    this.waiters[this.head] = noop;
    this.head += 1;
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    next();
  }

  /** Whether someone holds the mutex. */
  get isLocked(): boolean {
    return this.locked;
  }
}

function noop(): void {}
