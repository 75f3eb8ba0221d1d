/**
 * Record ids: UUIDv7 (time-ordered), so new rows land at the end of primary-key indexes. Ids
 * one generator makes in the same millisecond also sort in the order they were made: the
 * 12 bits after the version are a counter (RFC 9562, method 1) started at a random value
 * below 2048 each millisecond, so ties on a creation time ("oldest first") break by id in
 * creation order.
 *
 * The random bits come from a pooled buffer filled by one `crypto.getRandomValues` call per
 * {@link RANDOM_POOL_BYTES} (a call costs microseconds on some hosts, and the kernel makes
 * several ids per stage). The timestamp part is formatted once per millisecond, and on the
 * wall clock ({@link systemClock}) read with `Date.now()`, without a `Date`.
 */
import { type Clock, systemClock } from "../ports/clock.js";

/** Generates ids for new records. */
export type IdGenerator = () => string;

/** Size of the buffer each generator refills with one `crypto.getRandomValues` call. */
export const RANDOM_POOL_BYTES = 4096;

/** Random bytes one UUIDv7 uses: bytes 6 to 15 (the version and variant bits are overwritten). */
const RANDOM_BYTES_PER_ID = 10;

/** Character code of each hex digit. */
const DIGIT: number[] = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** Character codes of a byte's two hex digits: `HIGH[b]`, then `LOW[b]`. */
const HIGH: number[] = Array.from({ length: 256 }, (_, b) => DIGIT[b >> 4] as number);
const LOW: number[] = Array.from({ length: 256 }, (_, b) => DIGIT[b & 15] as number);
const DASH = 45;
const VERSION_7 = 55;

/** Character codes of `xxxxxxxx-xxxx-` for the 48-bit big-endian millisecond timestamp `ms`. */
function timestampPrefix(ms: number): number[] {
  const bytes = new Uint8Array(6);
  let rest = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const b = bytes[i] as number;
    codes.push(HIGH[b] as number, LOW[b] as number);
    if (i === 3 || i === 5) codes.push(DASH);
  }
  return codes;
}

/**
 * A UUIDv7 generator whose timestamp comes from `clock`.
 *
 * Each id is made by one `String.fromCharCode` call: a flat string. Concatenating its pieces
 * instead builds a tree of a dozen strings in V8 (about 240 bytes against 56), and ids live
 * in every record, index and event, so the tree would cost memory and collector time for as
 * long as the record lives, and every map lookup would walk it.
 */
export function uuidv7Generator(clock: Clock): IdGenerator {
  const pool = new Uint8Array(RANDOM_POOL_BYTES - (RANDOM_POOL_BYTES % RANDOM_BYTES_PER_ID));
  let offset = pool.length;
  let lastMs = Number.NaN;
  let p: number[] = [];
  let counter = 0;
  // The wall clock's time without the `Date` its `now()` makes: the kernel makes several ids
  // per stage, and each `Date` is an allocation and a call into the runtime.
  const msNow = clock === systemClock ? Date.now : () => clock.now().getTime();
  return () => {
    const ms = msNow();
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
        p = timestampPrefix(ms);
      }
      counter = (((pool[o] as number) << 8) | (pool[o + 1] as number)) & 0x7ff;
    } else {
      counter++;
    }
    // The variant bits (10) over byte 8's top two.
    const v = ((pool[o + 2] as number) & 0x3f) | 0x80;
    const b3 = pool[o + 3] as number;
    const b4 = pool[o + 4] as number;
    const b5 = pool[o + 5] as number;
    const b6 = pool[o + 6] as number;
    const b7 = pool[o + 7] as number;
    const b8 = pool[o + 8] as number;
    const b9 = pool[o + 9] as number;
    // biome-ignore format: one group of the id per line
    return String.fromCharCode(
      p[0] as number, p[1] as number, p[2] as number, p[3] as number, p[4] as number, p[5] as number, p[6] as number, p[7] as number, p[8] as number,
      p[9] as number, p[10] as number, p[11] as number, p[12] as number, p[13] as number,
      VERSION_7, DIGIT[counter >> 8] as number, DIGIT[(counter >> 4) & 15] as number, DIGIT[counter & 15] as number, DASH,
      HIGH[v] as number, LOW[v] as number, HIGH[b3] as number, LOW[b3] as number, DASH,
      HIGH[b4] as number, LOW[b4] as number, HIGH[b5] as number, LOW[b5] as number, HIGH[b6] as number, LOW[b6] as number,
      HIGH[b7] as number, LOW[b7] as number, HIGH[b8] as number, LOW[b8] as number, HIGH[b9] as number, LOW[b9] as number,
    );
  };
}
