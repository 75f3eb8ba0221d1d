/**
 * Blob store port: bytes by key. Large stage outputs live here (rows keep a reference) and
 * `ctx.storage` gives each run a scoped view of it.
 *
 * Implementing it: a key/value store of `Uint8Array`. Keys are `/`-separated paths such as
 * `runs/<runId>/outputs/<stageId>/<attempt>`. `get` of a missing key resolves `null`;
 * `delete` of a missing key is not an error; `list(prefix)` returns every key that starts with
 * `prefix`, sorted. Writes are whole-value and last-writer-wins. Run the exported
 * `blobStoreConformance` suite from `@ratchet/kernel/testing` against your adapter.
 */

/** Key/value storage of bytes. */
export interface BlobStore {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}
