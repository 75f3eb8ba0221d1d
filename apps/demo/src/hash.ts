/**
 * A tiny deterministic hash (32-bit FNV-1a): the demo derives simulated latencies, batch ids
 * and embedding vectors from content with it, so every run of the demo behaves the same.
 */

/** FNV-1a of `text` as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** `fnv1a` as 8 hex digits. */
export function fnv1aHex(text: string): string {
  return fnv1a(text).toString(16).padStart(8, "0");
}
