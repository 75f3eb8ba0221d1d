/**
 * Record ids: UUIDv7 (time-ordered), so new rows land at the end of primary-key indexes. Ids
 * one generator makes in the same millisecond also sort in the order they were made: the
 * 12 bits after the version are a counter (RFC 9562, method 1) started at a random value
 * below 2048 each millisecond, so ties on a creation time ("oldest first") break by id in
 * creation order.
 *
 * The random bits come from a pooled buffer filled by one `crypto.getRandomValues` call per
 * {@link RANDOM_POOL_BYTES} (a call costs microseconds on some hosts, and the kernel makes
 * several ids per stage). The timestamp part is formatted once per millisecond.
 */
import type { Clock } from "../ports/clock.js";

/** Generates ids for new records. */
export type IdGenerator = () => string;

/** Size of the buffer each generator refills with one `crypto.getRandomValues` call. */
export const RANDOM_POOL_BYTES = 4096;

/** Random bytes one UUIDv7 uses: bytes 6 to 15 (the version and variant bits are overwritten). */
const RANDOM_BYTES_PER_ID = 10;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** The 3 hex digits of a 12-bit counter value. */
const COUNTER_HEX: string[] = Array.from({ length: 4096 }, (_, i) =>
  i.toString(16).padStart(3, "0"),
);

/** `xxxxxxxx-xxxx-` for the 48-bit big-endian millisecond timestamp `ms`. */
function timestampPrefix(ms: number): string {
  const bytes = new Uint8Array(6);
  let rest = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  const hex = (i: number) => HEX[bytes[i] as number] as string;
  return `${hex(0)}${hex(1)}${hex(2)}${hex(3)}-${hex(4)}${hex(5)}-`;
}

/** A UUIDv7 generator whose timestamp comes from `clock`. */
export function uuidv7Generator(clock: Clock): IdGenerator {
  const pool = new Uint8Array(RANDOM_POOL_BYTES - (RANDOM_POOL_BYTES % RANDOM_BYTES_PER_ID));
  let offset = pool.length;
  let lastMs = Number.NaN;
  let prefix = "";
  let counter = 0;
  return () => {
    const ms = clock.now().getTime();
    if (offset === pool.length) {
      crypto.getRandomValues(pool);
      offset = 0;
    }
    const o = offset;
    offset += RANDOM_BYTES_PER_ID;
    if (ms !== lastMs || counter >= 0xfff) {
      // A new millisecond (or, past 4096 ids in one, a fresh start: order within it is then
      // only by time, as before).
      if (ms !== lastMs) {
        lastMs = ms;
        prefix = timestampPrefix(ms);
      }
      counter = (((pool[o] as number) << 8) | (pool[o + 1] as number)) & 0x7ff;
    } else {
      counter++;
    }
    return (
      `${prefix}7${COUNTER_HEX[counter]}-` +
      `${HEX[((pool[o + 2] as number) & 0x3f) | 0x80]}${HEX[pool[o + 3] as number]}-` +
      `${HEX[pool[o + 4] as number]}${HEX[pool[o + 5] as number]}${HEX[pool[o + 6] as number]}` +
      `${HEX[pool[o + 7] as number]}${HEX[pool[o + 8] as number]}${HEX[pool[o + 9] as number]}`
    );
  };
}
