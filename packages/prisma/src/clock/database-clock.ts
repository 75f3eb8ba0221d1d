/**
 * `DatabaseClock`: the kernel's `Clock` port on the database server's time. Every worker of a
 * PostgreSQL stack reads one clock, the server's, so leases, back-offs and timers mean the same
 * thing on every machine whatever their own clocks say.
 *
 * How: the clock samples the server's `clock_timestamp()` and remembers its offset from this
 * process's monotonic timer (`performance.now()`, which never steps back and ignores changes
 * of the wall clock). `now()` is the monotonic time plus that offset, so it costs no round
 * trip. It samples again every `resyncMs` (the best of a few round trips, the reading taken at
 * their midpoint), and never moves backwards: a new offset that would step time back is taken
 * in slowly, as time catches up.
 *
 * The error against the server is at most half a sampling round trip plus the drift of the
 * monotonic timer since the last sample (parts per million), so a lease is judged the same by
 * every worker to within milliseconds. The host's wall clock is never read.
 */
import type { Clock } from "@ratchet/kernel/adapter";

/** Reads the database server's current time, in milliseconds since the epoch. */
export type ServerTimeReader = () => Promise<number>;

/** Options of {@link DatabaseClock}. */
export interface DatabaseClockOptions {
  /** Time between samples of the server's time, ms (default 60 000). */
  resyncMs?: number;
  /** Round trips per sample; the shortest one wins (default 3). */
  samples?: number;
  /** The process's monotonic timer, ms (default `performance.now()`); tests may replace it. */
  monotonic?: () => number;
  /** Called when a later sample fails (the clock keeps its last offset); default: ignored. */
  onSyncError?: (error: unknown) => void;
}

/** What one sample found. */
export interface ClockSample {
  /** Server time minus monotonic time, ms. */
  offsetMs: number;
  /** Half the round trip of the sample: the most its reading can be off, ms. */
  uncertaintyMs: number;
}

/** A clock on the database server's time (see the module comment). */
export class DatabaseClock implements Clock {
  private offsetMs = 0;
  private lastMs = Number.NEGATIVE_INFINITY;
  private uncertainty = Number.POSITIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sampling = false;
  private readonly monotonic: () => number;

  /**
   * @param read Reads the server's time (e.g. `SELECT clock_timestamp()` as epoch ms).
   * @param options Sampling options.
   */
  constructor(
    private readonly read: ServerTimeReader,
    private readonly options: DatabaseClockOptions = {},
  ) {
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** The server's time now (never earlier than a time this clock returned before). */
  now(): Date {
    const ms = Math.max(this.monotonic() + this.offsetMs, this.lastMs);
    this.lastMs = ms;
    return new Date(ms);
  }

  /** The most the clock's time can differ from the server's at its last sample, ms. */
  get uncertaintyMs(): number {
    return this.uncertainty;
  }

  /** Samples the server's time now; rejects when the server cannot be read. */
  async sync(): Promise<ClockSample> {
    const rounds = Math.max(1, this.options.samples ?? 3);
    let best: ClockSample | undefined;
    for (let i = 0; i < rounds; i++) {
      const sent = this.monotonic();
      const server = await this.read();
      const received = this.monotonic();
      const sample = {
        offsetMs: server - (sent + received) / 2,
        uncertaintyMs: (received - sent) / 2,
      };
      if (!best || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
    }
    const sample = best as ClockSample;
    // A later offset is taken as it is; an earlier one too, but `now()` holds at the last time
    // it returned until the monotonic timer has caught up, so time never steps back.
    this.offsetMs = sample.offsetMs;
    this.uncertainty = sample.uncertaintyMs;
    return sample;
  }

  /** Samples now, then every `resyncMs` in the background (the timer does not keep Node up). */
  async start(): Promise<this> {
    await this.sync();
    if (this.timer === undefined) {
      this.timer = setInterval(() => {
        // One sample at a time: a sample that hangs (the server is cut off) is not joined by
        // another every interval; the clock keeps its offset until one answers.
        if (this.sampling) return;
        this.sampling = true;
        this.sync()
          .catch((error) => this.options.onSyncError?.(error))
          .finally(() => {
            this.sampling = false;
          });
      }, this.options.resyncMs ?? 60_000);
      (this.timer as { unref?: () => void }).unref?.();
    }
    return this;
  }

  /** Stops sampling (the clock keeps its last offset). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Reads a PostgreSQL server's `clock_timestamp()` (epoch ms) through anything with `query`. */
export async function serverTimeOf(db: {
  query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>;
}): Promise<number> {
  const { rows } = await db.query(
    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms",
  );
  return Number(rows[0]?.ms);
}
