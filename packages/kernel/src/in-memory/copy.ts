/**
 * Copies that keep callers and stored rows apart: the in-memory store copies what it is given
 * and what it hands out, so nobody can change a stored row by mutating an object.
 *
 * Hand-written instead of `structuredClone` because rows are plain JSON plus `Date` fields,
 * and a direct copy is several times faster on the kernel's hot path.
 */
import type { JsonValue, OutputRef, StoredError } from "../records.js";

/** Deep copy of a JSON value (a `Date` inside, though not valid JSON, is copied as a `Date`). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return cloneValue(value) as T;
}

const hasOwn = Object.prototype.hasOwnProperty;

function cloneValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i]);
    return out;
  }
  if (value instanceof Date) return new Date(value.getTime());
  const out: Record<string, unknown> = {};
  // `for...in` with an own-property check visits what `Object.keys` returns, in the same
  // order, without allocating the array of keys.
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const item = cloneValue((value as Record<string, unknown>)[key]);
    // A plain assignment to "__proto__" would set the prototype instead of a property.
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: item,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = item;
    }
  }
  return out;
}

/**
 * The object to read a patch's fields from with `Object.keys`: the patch itself, or, when it
 * does not have `Object.prototype` as its prototype (so fields may be inherited), a plain
 * object with the `fields` it has, read by name.
 *
 * Why `Object.keys` and keyed reads instead of reading each field by name: patches are often
 * built by a spread that adds keys (`{ ...patch, eventSeq }`), which in V8 gives every object
 * a hidden class of its own, and then every named read misses the inline caches. Reading the
 * 8 fields of a run patch that way costs about 1.3 us on the machine the benchmarks run on;
 * `Object.keys` and a keyed read per key present costs about 0.1 us.
 */
export function patchFields(patch: object, fields: readonly string[]): Record<string, unknown> {
  if (Object.getPrototypeOf(patch) === Object.prototype) return patch as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (patch as Record<string, unknown>)[field];
    if (value !== undefined) own[field] = value;
  }
  return own;
}

/** Copy of a date. */
export function copyDate(date: Date): Date {
  return new Date(date.getTime());
}

/** Copy of a nullable date. */
export function copyNullableDate(date: Date | null): Date | null {
  return date === null ? null : new Date(date.getTime());
}

/** Copy of a stored error. */
export function copyError(error: StoredError | null): StoredError | null {
  return error === null ? null : { ...error };
}

/** Copy of an output reference. */
export function copyOutputRef(ref: OutputRef | null): OutputRef | null {
  return ref === null ? null : { ...ref };
}

/** The one inline reference stored rows share (never handed out: reads copy it). */
const INLINE_REF: OutputRef = Object.freeze({ kind: "inline" });

/**
 * An output reference to store in a row: a copy, except that every inline reference is the
 * one shared {@link INLINE_REF} (an inline reference carries nothing but its kind, and
 * stored rows are never mutated), so a stage with an inline output keeps no object of its
 * own for it.
 */
export function storedOutputRef(ref: OutputRef | null): OutputRef | null {
  if (ref === null) return null;
  return ref.kind === "inline" ? INLINE_REF : { ...ref };
}
