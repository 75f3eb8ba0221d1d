/**
 * A stable, synchronous 64-bit hash of a JSON-like value: object keys are sorted first, so two
 * equal values hash equally whatever order their keys were written in. Not cryptographic — it
 * tells values apart (workflow fingerprints, idempotent requests) — and needs no crypto API, so
 * the kernel stays usable wherever JavaScript runs.
 */

/** The value as canonical JSON: object keys sorted, `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** 16 lowercase hex digits hashing `canonicalJson(value)`. */
export function stableHash(value: unknown): string {
  return hash64(canonicalJson(value));
}

/** FNV-1a over UTF-16 code units in two lanes with different offsets and mixing: 64 bits. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
