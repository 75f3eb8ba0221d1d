/**
 * Encodes values into storable JSON and back, so every adapter returns exactly what was
 * stored: `Date` survives the trip (as `{ "$date": iso }`), and values JSON cannot hold
 * (BigInt, functions, symbols, cycles, NaN, Infinity, nesting deep enough to exhaust the
 * stack, an own `__proto__` key) are rejected with a typed error instead of being silently
 * changed. `undefined` object properties are dropped, as in JSON.
 */
import { UnserializableValueError } from "./errors.js";
import type { JsonValue } from "./records.js";

const DATE_TAG = "$date";
const ESCAPE_TAG = "$escape";

/**
 * Encodes a value for storage. Throws {@link UnserializableValueError} naming the offending
 * path (e.g. `input.items[2].price`) when the value cannot be stored.
 *
 * Most values can be stored, so a fast pass encodes without building paths or tracking
 * ancestors (a depth bound stands in for cycle detection); at the first value it cannot
 * store, or past the depth bound, the careful pass below starts over and names the path.
 */
export function encodeValue(value: unknown, path = "value"): JsonValue {
  try {
    return fastEncode(value, 0);
  } catch (error) {
    if (error !== BAIL) throw error;
  }
  try {
    return encode(value, path, new Set());
  } catch (error) {
    // Nesting deep enough to exhaust the stack (thousands of levels) is reported like any
    // other value that cannot be stored, not as a bare RangeError.
    if (error instanceof RangeError) {
      throw new UnserializableValueError(`[ratchet] ${path} is nested too deeply to be stored`, {
        field: path,
        cause: error,
      });
    }
    throw error;
  }
}

/** Thrown by {@link fastEncode} to hand the value to the careful pass. */
const BAIL: unique symbol = Symbol("bail");

/** Nesting past which the fast pass hands over (a cycle always gets there). */
const FAST_DEPTH = 64;

const hasOwn = Object.prototype.hasOwnProperty;
/** The one key a plain assignment cannot create as an own property. */
const PROTO_KEY = "__proto__";

/**
 * {@link encode} without paths or cycle tracking: the same result for every value it
 * accepts, and {@link BAIL} (never another error of its own) for every value it does not.
 */
function fastEncode(value: unknown, depth: number): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw BAIL;
      return value;
    case "undefined":
      return null;
    case "bigint":
    case "function":
    case "symbol":
      throw BAIL;
  }
  if (value === null) return null;
  if (depth >= FAST_DEPTH) throw BAIL;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw BAIL;
    return { [DATE_TAG]: value.toISOString() };
  }
  // `map` as in `encode`, so holes and array subclasses come out the same.
  if (Array.isArray(value)) return value.map((item) => fastEncode(item, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  const obj = value as Record<string, unknown>;
  const out: { [key: string]: JsonValue } = {};
  let count = 0;
  // `for...in` with an own-property check visits what `Object.entries` does, in order.
  for (const key in obj) {
    if (!hasOwn.call(obj, key)) continue;
    if (key === PROTO_KEY) throw BAIL;
    const item = obj[key];
    if (item === undefined) continue;
    out[key] = fastEncode(item, depth + 1);
    count++;
  }
  if (count === 1 && (DATE_TAG in out || ESCAPE_TAG in out)) return { [ESCAPE_TAG]: out };
  return out;
}

function encode(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new UnserializableValueError(
          `[ratchet] ${path} is ${value}, which cannot be stored`,
          { field: path },
        );
      }
      return value;
    case "undefined":
      return null;
    case "bigint":
    case "function":
    case "symbol":
      throw new UnserializableValueError(
        `[ratchet] ${path} is a ${typeof value}, which cannot be stored`,
        {
          field: path,
        },
      );
  }
  if (value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new UnserializableValueError(`[ratchet] ${path} is an invalid Date`, { field: path });
    }
    return { [DATE_TAG]: value.toISOString() };
  }
  const obj = value as object;
  if (seen.has(obj)) {
    throw new UnserializableValueError(`[ratchet] ${path} contains a cycle`, { field: path });
  }
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((item, i) => encode(item, `${path}[${i}]`, seen));
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new UnserializableValueError(
        `[ratchet] ${path} is a ${kind}, which cannot be stored (use plain objects, arrays and Dates)`,
        {
          field: path,
        },
      );
    }
    const out: { [key: string]: JsonValue } = {};
    let count = 0;
    for (const [key, item] of Object.entries(obj)) {
      if (key === PROTO_KEY) {
        // `out[key] = …` would set the copy's prototype and drop the key without a word.
        throw new UnserializableValueError(
          `[ratchet] ${path} has an own key "__proto__", which cannot be stored (rename it)`,
          { field: `${path}.__proto__` },
        );
      }
      if (item === undefined) continue;
      out[key] = encode(item, `${path}.${key}`, seen);
      count++;
    }
    if (count === 1 && (DATE_TAG in out || ESCAPE_TAG in out)) return { [ESCAPE_TAG]: out };
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** Decodes a value written by {@link encodeValue}. */
export function decodeValue<T = unknown>(value: JsonValue | null | undefined): T {
  return decode(value ?? null) as T;
}

function decode(value: JsonValue): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const tagged = value[DATE_TAG];
    if (keys[0] === DATE_TAG && typeof tagged === "string") return new Date(tagged);
    const escaped = value[ESCAPE_TAG];
    if (
      keys[0] === ESCAPE_TAG &&
      escaped !== null &&
      typeof escaped === "object" &&
      !Array.isArray(escaped)
    ) {
      return decodeObject(escaped, Object.keys(escaped));
    }
  }
  return decodeObject(value, keys);
}

/** Decodes the properties `keys` (the object's own keys) of an object. */
function decodeObject(
  value: { [key: string]: JsonValue },
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The keys already at hand, instead of `Object.entries` (an array per property).
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === PROTO_KEY) {
      // A stored "__proto__" (written by something other than this encoder) stays a plain
      // own property instead of becoming the decoded object's prototype.
      Object.defineProperty(out, key, {
        value: decode(value[key] as JsonValue),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    out[key] = decode(value[key] as JsonValue);
  }
  return out;
}

/** Size in bytes of a stored value's JSON text (UTF-8). */
export function encodedSize(value: JsonValue): number {
  return utf8Length(JSON.stringify(value));
}

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
