/**
 * Natural batching: requests that arrive while earlier ones are being written wait and go out
 * together in the next write. A write starts one event-loop turn after there is room for it
 * (`setImmediate`), so requests made in the same turn — a host's concurrent stages finishing
 * together, or the next stages that a returned write let run — share it. An idle system
 * writes each request after that one turn (no timer); a busy one writes many per statement,
 * so round trips and commits per request fall as load rises.
 *
 * With `extraWriteAfterMs`, writes beyond the first wait for the one in flight unless it has
 * been out that long: the next batch gathers for a whole write (bigger batches, fewer commits)
 * while writes return promptly, and a write stuck behind a lock or a slow disk does not hold
 * up the requests behind it for longer than that.
 */

/** Options of a {@link Batcher}. */
export interface BatcherOptions<T> {
  /** Writes at most this many at once (default 2: one can gather while the other is in flight). */
  maxInFlight?: number;
  /** Most requests per write (default 200). */
  maxBatch?: number;
  /**
   * Writes beyond the first start only once every write in flight has been out this long, ms
   * (default: at once, up to `maxInFlight`).
   */
  extraWriteAfterMs?: number;
  /**
   * Requests with the same keys never share a write (a statement must not update one row
   * twice); a later one waits for the next write.
   */
  keys?: (request: T) => readonly string[];
}

/** Runs `fn` after the current turn of the event loop (I/O callbacks and microtasks first). */
const nextTurn: (fn: () => void) => void =
  typeof setImmediate === "function" ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

interface Waiting<T, R> {
  request: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** Writes requests in batches; `write` returns one result per request, in order. */
export class Batcher<T, R> {
  private readonly queue: Array<Waiting<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;
  /** When the newest write in flight started (ms, `Date.now()`). */
  private newestSendAt = 0;
  /** Calls `schedule` once an in-flight write has been out `extraWriteAfterMs`. */
  private extraTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    private readonly write: (batch: readonly T[]) => Promise<readonly R[]>,
    private readonly options: BatcherOptions<T> = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 200;
  }

  /** Queues `request`; resolves with its result once the write that carried it returns. */
  submit(request: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Starts writes at the next turn of the event loop, once (see the module comment). */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    if (!this.roomForExtraWrite()) return;
    this.scheduled = true;
    nextTurn(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * Whether a write may start beside those in flight (see `extraWriteAfterMs`); when not yet,
   * sets a timer to look again when it may.
   */
  private roomForExtraWrite(): boolean {
    const afterMs = this.options.extraWriteAfterMs;
    if (this.inFlight === 0 || afterMs === undefined) return true;
    const waitMs = this.newestSendAt + afterMs - Date.now();
    if (waitMs <= 0) return true;
    if (this.extraTimer === undefined)
      this.extraTimer = setTimeout(() => {
        this.extraTimer = undefined;
        this.schedule();
      }, waitMs);
    return false;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      if (!this.roomForExtraWrite()) return;
      const batch = this.take();
      this.inFlight++;
      this.newestSendAt = Date.now();
      void this.send(batch).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.extraTimer !== undefined) {
          clearTimeout(this.extraTimer);
          this.extraTimer = undefined;
        }
        this.schedule();
      });
    }
  }

  /** The next batch: queued requests in order, skipping any whose keys are already taken. */
  private take(): Array<Waiting<T, R>> {
    const keysOf = this.options.keys;
    if (!keysOf || this.queue.length === 1) return this.queue.splice(0, this.maxBatch);
    const taken = new Set<string>();
    const batch: Array<Waiting<T, R>> = [];
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
      const entry = this.queue[i] as Waiting<T, R>;
      const keys = keysOf(entry.request);
      if (keys.some((key) => taken.has(key))) {
        i++;
        continue;
      }
      for (const key of keys) taken.add(key);
      batch.push(entry);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  /** Writes `requests`, checking that one result came back per request. */
  private async writeAll(requests: readonly T[]): Promise<readonly R[]> {
    const results = await this.write(requests);
    if (results.length !== requests.length) {
      throw new Error(
        `[ratchet] [prisma] a batched write returned ${results.length} results for ${requests.length} requests`,
      );
    }
    return results;
  }

  private async send(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.writeAll(batch.map((entry) => entry.request));
      for (const [i, entry] of batch.entries()) entry.resolve(results[i] as R);
    } catch (error) {
      if (batch.length === 1) {
        (batch[0] as Waiting<T, R>).reject(error);
        return;
      }
      // One bad request (or a deadlock with another writer) must not fail its neighbours:
      // each is written again on its own, and only its own failure reaches its caller.
      await Promise.all(
        batch.map(async (entry) => {
          try {
            const [result] = await this.writeAll([entry.request]);
            entry.resolve(result as R);
          } catch (own) {
            entry.reject(own);
          }
        }),
      );
    }
  }
}
