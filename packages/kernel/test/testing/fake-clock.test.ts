import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/testing/fake-clock.js";

describe("FakeClock", () => {
  it("starts at 2026-01-01T00:00:00Z by default", () => {
    expect(new FakeClock().now().toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("starts at a given Date or epoch milliseconds", () => {
    expect(new FakeClock(new Date("2030-05-06T07:08:09.010Z")).now().toISOString()).toBe(
      "2030-05-06T07:08:09.010Z",
    );
    expect(new FakeClock(0).now().getTime()).toBe(0);
  });

  it("does not move by itself", () => {
    const clock = new FakeClock();
    expect(clock.now().getTime()).toBe(clock.now().getTime());
  });

  it("advance moves time forward and returns the new time", () => {
    const clock = new FakeClock(1_000);
    expect(clock.advance(250).getTime()).toBe(1_250);
    clock.advance(0);
    expect(clock.now().getTime()).toBe(1_250);
  });

  it("advance rejects negative and non-finite steps", () => {
    const clock = new FakeClock(1_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now().getTime()).toBe(1_000);
  });

  it("set jumps to a time, backwards too", () => {
    const clock = new FakeClock(10_000);
    clock.set(new Date(5_000));
    expect(clock.now().getTime()).toBe(5_000);
    clock.set(7_000);
    expect(clock.now().getTime()).toBe(7_000);
    expect(() => clock.set(new Date("not a date"))).toThrow(RangeError);
  });

  it("returns a fresh Date on every call, so callers cannot move the clock", () => {
    const clock = new FakeClock(1_000);
    const first = clock.now();
    expect(clock.now()).not.toBe(first);
    first.setTime(99_999);
    expect(clock.now().getTime()).toBe(1_000);
  });
});
