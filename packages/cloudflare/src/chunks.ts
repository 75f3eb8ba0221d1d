/**
 * Splits the messages of one publish into `sendBatch` calls Cloudflare accepts: at most
 * {@link MAX_BATCH_MESSAGES} messages and {@link MAX_BATCH_BYTES} bytes of bodies each.
 */
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from "./queue.js";

/** Limits of one chunk (Cloudflare's by default). */
export interface ChunkLimits {
  messages: number;
  bytes: number;
}

/** Cloudflare's limits of one `sendBatch` call. */
export const CLOUDFLARE_BATCH_LIMITS: ChunkLimits = {
  messages: MAX_BATCH_MESSAGES,
  bytes: MAX_BATCH_BYTES,
};

/** UTF-8 length of `text` in bytes (no `TextEncoder`: this must type-check without the DOM). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Groups `items` (each with its size in bytes) in order into chunks within `limits`. An item
 * larger than `limits.bytes` goes alone in its chunk (the queue then refuses that call only).
 */
export function chunkBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: ChunkLimits = CLOUDFLARE_BATCH_LIMITS,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.messages || bytes + size > limits.bytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
