/**
 * Record ids: UUIDv7 (time-ordered), so new rows land at the end of primary-key indexes.
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
/** The hex digit of a byte's low nibble (the version nibble of byte 6 is the literal `7`). */
const LOW_NIBBLE: string[] = Array.from({ length: 256 }, (_, i) => (i & 0x0f).toString(16));

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
  return () => {
    const ms = clock.now().getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      prefix = timestampPrefix(ms);
    }
    if (offset === pool.length) {
      crypto.getRandomValues(pool);
      offset = 0;
    }
    const o = offset;
    offset += RANDOM_BYTES_PER_ID;
    return (
      `${prefix}7${LOW_NIBBLE[pool[o] as number]}${HEX[pool[o + 1] as number]}-` +
      `${HEX[((pool[o + 2] as number) & 0x3f) | 0x80]}${HEX[pool[o + 3] as number]}-` +
      `${HEX[pool[o + 4] as number]}${HEX[pool[o + 5] as number]}${HEX[pool[o + 6] as number]}` +
      `${HEX[pool[o + 7] as number]}${HEX[pool[o + 8] as number]}${HEX[pool[o + 9] as number]}`
    );
  };
}
