/**
 * `DatabaseClock` without a database: its offset comes from the best sample, its time never
 * steps back when a later sample moves the offset back, and a failed resample keeps the clock.
 */
import { describe, expect, it } from "vitest";
import { DatabaseClock } from "../src/clock/database-clock.js";

/** A fake monotonic timer and a fake server whose clock is `serverOffset` ahead of it. */
function fakes(serverOffset: number, roundTrips: number[]) {
  let mono = 1_000;
  let trip = 0;
  const state = { serverOffset };
  const read = async () => {
    const rtt = roundTrips[trip++ % roundTrips.length] ?? 0;
    mono += rtt / 2;
    const server = mono + state.serverOffset;
    mono += rtt / 2;
    return server;
  };
  return { read, monotonic: () => mono, advance: (ms: number) => (mono += ms), state };
}

describe("DatabaseClock", () => {
  it("reads the server's time from the sample with the shortest round trip", async () => {
    const f = fakes(1_700_000_000_000, [40, 4, 20]);
    const clock = new DatabaseClock(f.read, { monotonic: f.monotonic, samples: 3 });
    const sample = await clock.sync();
    expect(sample.uncertaintyMs).toBe(2);
    expect(clock.uncertaintyMs).toBe(2);
    expect(clock.now().getTime()).toBe(f.monotonic() + 1_700_000_000_000);
    f.advance(250);
    expect(clock.now().getTime()).toBe(f.monotonic() + 1_700_000_000_000);
  });

  it("never steps back when a later sample finds the server behind", async () => {
    const f = fakes(1_700_000_000_000, [0]);
    const clock = new DatabaseClock(f.read, { monotonic: f.monotonic, samples: 1 });
    await clock.sync();
    const first = clock.now().getTime();
    f.state.serverOffset -= 500;
    await clock.sync();
    expect(clock.now().getTime()).toBe(first);
    f.advance(200);
    expect(clock.now().getTime()).toBe(first);
    f.advance(400);
    expect(clock.now().getTime()).toBe(f.monotonic() + f.state.serverOffset);
    expect(clock.now().getTime()).toBeGreaterThan(first);
  });

  it("keeps its offset when a resample fails, and reports the failure", async () => {
    const f = fakes(5_000, [0]);
    let fail = false;
    const errors: unknown[] = [];
    const clock = new DatabaseClock(
      async () => {
        if (fail) throw new Error("server gone");
        return f.read();
      },
      { monotonic: f.monotonic, samples: 1, resyncMs: 5, onSyncError: (e) => errors.push(e) },
    );
    await clock.start();
    fail = true;
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.stop();
    expect(errors.length).toBeGreaterThan(0);
    expect(clock.now().getTime()).toBe(f.monotonic() + 5_000);
  });
});

describe("DatabaseClock resampling", () => {
  it("does not stack samples while one hangs", async () => {
    let reads = 0;
    let first = true;
    const clock = new DatabaseClock(
      () => {
        reads++;
        if (first) {
          first = false;
          return Promise.resolve(1_000);
        }
        return new Promise<number>(() => {}); // the server never answers
      },
      { samples: 1, resyncMs: 5 },
    );
    await clock.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    clock.stop();
    expect(reads).toBe(2);
  });
});
