/** Base64 for the bytes of `ctx.storage` as they cross between an isolated stage and the kernel. */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Encodes bytes as base64 (with padding). */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[(n >> 18) & 63];
    out += ALPHABET[(n >> 12) & 63];
    out += b === undefined ? "=" : ALPHABET[(n >> 6) & 63];
    out += c === undefined ? "=" : ALPHABET[n & 63];
  }
  return out;
}

/** Decodes base64 (padding optional); characters outside the alphabet are skipped. */
export function fromBase64(text: string): Uint8Array {
  const digits: number[] = [];
  for (const ch of text) {
    const value = INDEX.get(ch);
    if (value !== undefined) digits.push(value);
  }
  const out = new Uint8Array(Math.floor((digits.length * 6) / 8));
  let bits = 0;
  let buffer = 0;
  let at = 0;
  for (const digit of digits) {
    buffer = (buffer << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 255;
    }
  }
  return out;
}
