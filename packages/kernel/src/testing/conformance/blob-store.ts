/**
 * `blobStoreConformance`: the shared test suite every `BlobStore` adapter must pass. Every
 * test works under its own unique key prefix, so a shared bucket or table can be reused.
 *
 * @example
 * ```ts
 * blobStoreConformance({
 *   name: "prisma (postgres)",
 *   create: async () => ({ blobStore: createPrismaBlobStore(prisma), close: async () => {} }),
 * });
 * ```
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../../ports/blob-store.js";
import {
  type ConformanceFixture,
  type ConformanceOptions,
  uniqueId,
  useFixture,
} from "./shared.js";

/** Raw readers of the bytes the blob store really holds. */
export interface BlobStoreBackdoor {
  readBlob(key: string): Promise<Uint8Array | null>;
}

/** What `blobStoreConformance` tests. */
export interface BlobStoreFixture extends ConformanceFixture {
  blobStore: BlobStore;
  backdoor?: BlobStoreBackdoor;
}

/** Options of {@link blobStoreConformance}. */
export type BlobStoreConformanceOptions = ConformanceOptions<BlobStoreFixture>;

const encoder = new TextEncoder();

/** Asserts `actual` holds exactly `expected`'s bytes (a `Buffer` is fine: it is a `Uint8Array`). */
function expectBytes(actual: Uint8Array | null, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(Array.from(actual ?? [])).toEqual(Array.from(expected));
}

/**
 * Registers the blob store conformance tests (vitest): byte-exact round trips, missing keys,
 * overwrite, delete, and sorted, prefix-exact listing. Call it at the top level of a test file.
 */
export function blobStoreConformance(options: BlobStoreConformanceOptions): void {
  describe(`${options.name}: blob store conformance`, () => {
    const fixture = useFixture(options);
    let root = "";
    beforeEach(() => {
      root = `${uniqueId("conformance")}/`;
    });

    it("put then get round-trips the bytes", async () => {
      const { blobStore, backdoor } = fixture();
      const key = `${root}runs/r1/outputs/fetch/1.json`;
      const data = encoder.encode(JSON.stringify({ hello: "wörld", n: [1, 2, 3] }));
      await blobStore.put(key, data);
      expectBytes(await blobStore.get(key), data);
      if (backdoor) expectBytes(await backdoor.readBlob(key), data);
    });

    it("round-trips empty bytes as an empty array, not null", async () => {
      const { blobStore } = fixture();
      await blobStore.put(`${root}empty`, new Uint8Array(0));
      expectBytes(await blobStore.get(`${root}empty`), new Uint8Array(0));
      expect(await blobStore.has(`${root}empty`)).toBe(true);
    });

    it("round-trips every byte value 0..255", async () => {
      const { blobStore, backdoor } = fixture();
      const data = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
      data.set(Uint8Array.from({ length: 256 }, (_, i) => i));
      await blobStore.put(`${root}binary`, data);
      expectBytes(await blobStore.get(`${root}binary`), data);
      if (backdoor) expectBytes(await backdoor.readBlob(`${root}binary`), data);
    });

    it("stores exactly the bytes of a view into a larger buffer", async () => {
      const { blobStore } = fixture();
      const whole = Uint8Array.from([9, 9, 1, 2, 3, 9, 9]);
      await blobStore.put(`${root}view`, whole.subarray(2, 5));
      expectBytes(await blobStore.get(`${root}view`), Uint8Array.from([1, 2, 3]));
    });

    it("get of a missing key resolves null", async () => {
      const { blobStore } = fixture();
      expect(await blobStore.get(`${root}missing`)).toBeNull();
    });

    it("has reports whether a key exists", async () => {
      const { blobStore } = fixture();
      const key = `${root}present`;
      expect(await blobStore.has(key)).toBe(false);
      await blobStore.put(key, Uint8Array.from([1]));
      expect(await blobStore.has(key)).toBe(true);
      await blobStore.delete(key);
      expect(await blobStore.has(key)).toBe(false);
    });

    it("delete removes a key, and deleting a missing key is not an error", async () => {
      const { blobStore, backdoor } = fixture();
      const key = `${root}doomed`;
      await blobStore.put(key, Uint8Array.from([1, 2]));
      await blobStore.delete(key);
      await blobStore.delete(key);
      await blobStore.delete(`${root}never-existed`);
      expect(await blobStore.get(key)).toBeNull();
      if (backdoor) expect(await backdoor.readBlob(key)).toBeNull();
    });

    it("put overwrites: the last writer wins", async () => {
      const { blobStore } = fixture();
      const key = `${root}overwritten`;
      await blobStore.put(key, Uint8Array.from([1, 2, 3, 4, 5]));
      await blobStore.put(key, Uint8Array.from([6, 7]));
      expectBytes(await blobStore.get(key), Uint8Array.from([6, 7]));
      expect(await blobStore.list(root)).toEqual([key]);
    });

    it("stored bytes do not change when the caller mutates its arrays", async () => {
      const { blobStore } = fixture();
      const key = `${root}copied`;
      const data = Uint8Array.from([1, 2, 3]);
      await blobStore.put(key, data);
      data[0] = 42;
      const read = await blobStore.get(key);
      if (read) read[1] = 42;
      expectBytes(await blobStore.get(key), Uint8Array.from([1, 2, 3]));
    });

    it("list returns every key starting with the prefix, sorted, and nothing else", async () => {
      const { blobStore } = fixture();
      const keys = [
        "runs/r1/outputs/b",
        "runs/r1/outputs/a",
        "runs/r1/logs/x",
        "runs/r10/outputs/a",
        "runs/r1",
        "runs/r_%/outputs/a",
        "other/runs/r1/x",
      ].map((key) => `${root}${key}`);
      for (const key of keys) await blobStore.put(key, Uint8Array.from([1]));
      const under = (suffix: string) =>
        keys.filter((key) => key.startsWith(`${root}${suffix}`)).sort();

      expect(await blobStore.list(`${root}runs/r1/`)).toEqual(under("runs/r1/"));
      expect(await blobStore.list(`${root}runs/r1/`)).toEqual([
        `${root}runs/r1/logs/x`,
        `${root}runs/r1/outputs/a`,
        `${root}runs/r1/outputs/b`,
      ]);
      expect(await blobStore.list(`${root}runs/r1`)).toEqual(under("runs/r1"));
      expect(await blobStore.list(`${root}runs/r_%/`)).toEqual([`${root}runs/r_%/outputs/a`]);
      expect(await blobStore.list(`${root}runs/`)).toEqual(under("runs/"));
      expect(await blobStore.list(`${root}nothing/`)).toEqual([]);
      expect(await blobStore.list(root)).toEqual([...keys].sort());
    });
  });
}
