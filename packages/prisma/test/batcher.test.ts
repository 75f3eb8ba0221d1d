/** The batcher behind batched stage completions: what shares a write, and failure handling. */
import { describe, expect, test } from "vitest";
import { Batcher } from "../src/sql/batcher.js";

describe("Batcher", () => {
  test("requests made in one turn share a write; later ones wait for the write in flight", async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batcher = new Batcher<number, number>(
      async (batch) => {
        writes.push([...batch]);
        if (writes.length === 1) await held;
        return batch.map((n) => n * 10);
      },
      { maxInFlight: 1 },
    );
    const first = [1, 2, 3].map((n) => batcher.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => batcher.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(writes).toEqual([[1, 2, 3]]);
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  test("by default a second write starts while the first is in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const batcher = new Batcher<number, number>(async (batch) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight--;
      return batch;
    });
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = batcher.submit(2);
    await new Promise((resolve) => setImmediate(resolve));
    const third = batcher.submit(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(2);
    for (const release of releases.splice(0)) release();
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    for (const release of releases.splice(0)) release();
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 3]);
    expect(most).toBe(2);
  });

  test("with extraWriteAfterMs, a second write waits for the first unless it is stuck that long", async () => {
    const writes: number[][] = [];
    const releases: Array<() => void> = [];
    const batcher = new Batcher<number, number>(
      async (batch) => {
        writes.push([...batch]);
        await new Promise<void>((resolve) => releases.push(resolve));
        return batch;
      },
      { maxInFlight: 2, extraWriteAfterMs: 60 },
    );
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const first = batcher.submit(1);
    await turn();
    const rest = [2, 3].map((n) => batcher.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The first write returns promptly: 2 and 3 gather and go out together after it.
    expect(writes).toEqual([[1]]);
    releases.shift()?.();
    while (writes.length < 2) await turn();
    expect(writes).toEqual([[1], [2, 3]]);
    // That write is stuck: after 60 ms a request behind it goes out beside it.
    const late = batcher.submit(4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes).toHaveLength(2);
    const started = Date.now();
    while (writes.length < 3) await turn();
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    expect(writes[2]).toEqual([4]);
    for (const release of releases.splice(0)) release();
    expect(await Promise.all([first, ...rest, late])).toEqual([1, 2, 3, 4]);
  });

  test("requests with a key in common never share a write", async () => {
    const writes: string[][] = [];
    const batcher = new Batcher<string, string>(
      async (batch) => {
        writes.push([...batch]);
        return batch;
      },
      { keys: (request) => [request.split(":")[0] ?? request] },
    );
    await Promise.all(["a:1", "b:1", "a:2", "c:1", "a:3"].map((r) => batcher.submit(r)));
    expect(writes).toEqual([["a:1", "b:1", "c:1"], ["a:2"], ["a:3"]]);
  });

  test("a failed write is retried request by request; only the bad one fails", async () => {
    const writes: number[][] = [];
    const batcher = new Batcher<number, number>(async (batch) => {
      writes.push([...batch]);
      if (batch.includes(2)) throw new Error(`bad ${batch.join(",")}`);
      return batch;
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error("bad 2"));
    expect(writes).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  test("a write that answers the wrong number of results fails its requests", async () => {
    const batcher = new Batcher<number, number>(async (batch) => batch.slice(1));
    const results = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/0 results for 1/);
  });

  test("maxBatch caps a write", async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      async (batch) => {
        sizes.push(batch.length);
        return batch;
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
