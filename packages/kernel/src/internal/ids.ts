/**
 * Record ids: UUIDv7 (time-ordered), so new rows land at the end of primary-key indexes.
 */
import type { Clock } from "../ports/clock.js";

/** Generates ids for new records. */
export type IdGenerator = () => string;

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A UUIDv7 generator whose timestamp comes from `clock`. */
export function uuidv7Generator(clock: Clock): IdGenerator {
  const bytes = new Uint8Array(16);
  return () => {
    crypto.getRandomValues(bytes);
    let ms = clock.now().getTime();
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    let out = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out += "-";
      out += HEX[bytes[i] as number];
    }
    return out;
  };
}
