/**
 * Reading values back from rows: drivers return dates as `Date`, ISO strings or epoch numbers,
 * integers as numbers or BigInt, JSON as text; these normalise all of them.
 */
import type { JsonValue } from "@ratchet/kernel";

/** A column value as a Date. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === "number") return new Date(value);
  if (typeof value === "bigint") return new Date(Number(value));
  if (typeof value === "string")
    return /^-?\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  throw new TypeError(`[ratchet] [prisma] expected a date, got ${typeof value}`);
}

/** A nullable column value as a Date or null. */
export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** A column value as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || typeof value === "string") return Number(value);
  throw new TypeError(`[ratchet] [prisma] expected a number, got ${typeof value}`);
}

/** JSON text as a value. */
export function parseJson<T = JsonValue>(value: unknown): T {
  if (typeof value !== "string")
    throw new TypeError(`[ratchet] [prisma] expected JSON text, got ${typeof value}`);
  return JSON.parse(value) as T;
}

/** Nullable JSON text as a value or null. */
export function parseJsonOrNull<T = JsonValue>(value: unknown): T | null {
  return value === null || value === undefined ? null : parseJson<T>(value);
}

/** A value as JSON text for a parameter. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** A nullable value as JSON text or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Bytes from a blob column. */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array)
    return new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
  if (typeof value === "string") return Uint8Array.from(Buffer.from(value, "base64"));
  throw new TypeError(`[ratchet] [prisma] expected bytes, got ${typeof value}`);
}
