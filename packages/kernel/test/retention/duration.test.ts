/** `parseDuration` / `durationMs` and the retention helpers: what they accept, and what not. */
import { describe, expect, it } from "vitest";
import { durationMs, mergeRetention, parseDuration, retentionMs } from "../../src/index.js";

const DAY = 86_400_000;

describe("parseDuration", () => {
  it.each([
    ["250ms", 250],
    ["90s", 90_000],
    ["15m", 900_000],
    ["36h", 36 * 3_600_000],
    ["7d", 7 * DAY],
    ["2w", 14 * DAY],
    ["1h30m", 5_400_000],
    ["1d12h", 1.5 * DAY],
    ["1.5h", 5_400_000],
    ["  30d ", 30 * DAY],
    ["1500", 1_500],
    ["0", 0],
    ["0s", 0],
  ])("reads %j as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(
    [
      "",
      " ",
      "d",
      "7",
      "-1d",
      "1y",
      "1mo",
      "1 d",
      "7days",
      "1h 30m",
      "1e3",
      "NaN",
      "Infinity",
      "7d!",
    ].filter((t) => t !== "7"),
  )("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("durationMs", () => {
  it("takes whole ms >= 0, Infinity and text; refuses the rest", () => {
    expect(durationMs(1_000)).toBe(1_000);
    expect(durationMs(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(durationMs("2h")).toBe(7_200_000);
    for (const bad of [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, "x"])
      expect(durationMs(bad)).toBeUndefined();
  });
});

describe("retentionMs and mergeRetention", () => {
  it("timedOut follows failed unless set; a workflow's fields override the kernel's one by one", () => {
    const kernel = retentionMs({ completed: "30d", failed: "90d" });
    expect(kernel).toEqual({
      COMPLETED: 30 * DAY,
      FAILED: 90 * DAY,
      TIMED_OUT: 90 * DAY,
      COMPENSATED: 90 * DAY,
      COMPENSATION_FAILED: 90 * DAY,
    });
    const own = retentionMs({ failed: "7d", timedOut: "1d", cancelled: 0 });
    expect(mergeRetention(kernel, own)).toEqual({
      COMPLETED: 30 * DAY,
      FAILED: 7 * DAY,
      TIMED_OUT: DAY,
      CANCELLED: 0,
      COMPENSATED: 7 * DAY,
      COMPENSATION_FAILED: 7 * DAY,
    });
    expect(mergeRetention(kernel, undefined)).toBe(kernel);
  });
});
