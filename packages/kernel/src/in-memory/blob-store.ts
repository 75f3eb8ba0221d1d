/** In-memory {@link BlobStore}: a map of copied byte arrays. */
import type { BlobStore } from "../ports/blob-store.js";

/**
 * A {@link BlobStore} keeping copies of the bytes in a `Map` (so a caller mutating its array
 * after `put`, or the array `get` returned, changes nothing stored).
 */
export function createInMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    async put(key, data) {
      blobs.set(key, data.slice());
    },
    async get(key) {
      const data = blobs.get(key);
      return data === undefined ? null : data.slice();
    },
    async has(key) {
      return blobs.has(key);
    },
    async delete(key) {
      blobs.delete(key);
    },
    async list(prefix) {
      const keys: string[] = [];
      for (const key of blobs.keys()) if (key.startsWith(prefix)) keys.push(key);
      return keys.sort();
    },
  };
}
