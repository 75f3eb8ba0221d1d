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

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(encodeValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
