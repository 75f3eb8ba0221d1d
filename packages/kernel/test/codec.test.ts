import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue, UnserializableValueError } from "../src/index.js";

describe("codec", () => {
  it("round-trips dates, nesting and tag look-alikes", () => {
    const value = {
      a: new Date(1),
      b: [{ $date: "x" }, { $escape: 1 }, { $date: new Date(2) }],
      c: null,
      d: "s",
      e: 1.5,
    };
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(value))))).toEqual(value);
  });

  it("drops undefined properties like JSON and maps undefined array items to null", () => {
    expect(encodeValue({ a: undefined, b: [undefined] })).toEqual({ b: [null] });
  });

  it("names the path of the first value it cannot store", () => {
    for (const [value, field] of [
      [{ a: [1, 2n] }, "input.a[1]"],
      [{ f: Symbol("s") }, "input.f"],
      [{ m: new Map() }, "input.m"],
      [{ d: new Date(Number.NaN) }, "input.d"],
      [{ i: Number.POSITIVE_INFINITY }, "input.i"],
    ] as const) {
      expect(() => encodeValue(value, "input")).toThrow(UnserializableValueError);
      try {
        encodeValue(value, "input");
      } catch (error) {
        expect((error as UnserializableValueError).field).toBe(field);
      }
    }
  });

  it("refuses an own __proto__ key, and decodes a stored one as a plain property", () => {
    const parsed = JSON.parse('{"ok": 1, "nested": {"__proto__": {"polluted": true}}}');
    expect(() => encodeValue(parsed, "metadata")).toThrow(
      expect.objectContaining({
        code: "UNSERIALIZABLE_VALUE",
        field: "metadata.nested.__proto__",
      }),
    );
    // A "__proto__" already in a column (written by something else) stays data.
    const decoded = decodeValue<Record<string, unknown>>(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value).toEqual({ x: 1 });
    expect((decoded as { x?: unknown }).x).toBeUndefined();
  });

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(encodeValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("encodes nesting deeper than the fast pass goes, and names paths down there", () => {
    type Nested = { next?: Nested; leaf?: unknown };
    const build = (depth: number, leaf: unknown): Nested =>
      depth === 0 ? { leaf } : { next: build(depth - 1, leaf) };
    expect(encodeValue(build(100, new Date(0)))).toEqual(
      JSON.parse(JSON.stringify(build(100, { $date: new Date(0).toISOString() }))),
    );
    try {
      encodeValue(build(100, 1n), "input");
      expect.unreachable("a BigInt cannot be stored");
    } catch (error) {
      expect((error as UnserializableValueError).field).toBe(`input${".next".repeat(100)}.leaf`);
    }
  });

  it("names the path where a cycle closes", () => {
    const value: { a: { b: unknown[] } } = { a: { b: [] } };
    value.a.b.push(value);
    expect(() => encodeValue(value)).toThrow(/value\.a\.b\[0\] contains a cycle/);
  });

  it("keeps array holes and escapes one-key objects that look like tags", () => {
    // biome-ignore lint/suspicious/noSparseArray: holes stay holes, as Array.prototype.map keeps them.
    const encoded = encodeValue([, 1]) as unknown[];
    expect(encoded).toHaveLength(2);
    expect(0 in encoded).toBe(false);
    expect(encodeValue({ $date: 1 })).toEqual({ $escape: { $date: 1 } });
    expect(encodeValue({ $date: 1, x: undefined })).toEqual({ $escape: { $date: 1 } });
    expect(decodeValue({ $escape: { $date: 1 } })).toEqual({ $date: 1 });
    expect(decodeValue({ $date: 5 })).toEqual({ $date: 5 });
    expect(decodeValue({ $escape: [1] })).toEqual({ $escape: [1] });
  });
});
