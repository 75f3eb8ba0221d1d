/** The breaker's transitions, pure: what an attempt may do, and what a failure leaves. */
import { describe, expect, it } from "vitest";
import { resolveBreaker } from "../../src/dsl/breaker.js";
import type { BreakerRecord } from "../../src/index.js";
import {
  afterFailure,
  closesOnSuccess,
  gateOf,
  withProbe,
} from "../../src/internal/breaker/state.js";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const settings = resolveBreaker(
  { name: "api", failureThreshold: 3, windowMs: 10_000, coolDownMs: 5_000, halfOpenProbes: 2 },
  "s",
);
const closed: BreakerRecord = {
  name: "api",
  state: "CLOSED",
  failures: [],
  openedAt: null,
  openedFailures: 0,
  halfOpenAt: null,
  probes: [],
  lastError: null,
  version: 1,
  updatedAt: at(0),
};
const error = { code: "E", message: "down" };

describe("breaker transitions", () => {
  it("counts failures in the sliding window and opens at the threshold", () => {
    let b: BreakerRecord = closed;
    for (const ms of [0, 9_000, 12_000]) {
      const { write, opened } = afterFailure(b, settings, error, at(ms));
      expect(opened).toBe(false);
      b = { ...write, version: b.version + 1 };
    }
    // The failure at 0 left the window at 12 000: two counted.
    expect(b.failures).toEqual([at(9_000), at(12_000)]);
    const { write, opened } = afterFailure(b, settings, error, at(13_000));
    expect(opened).toBe(true);
    expect(write).toMatchObject({
      state: "OPEN",
      openedAt: at(13_000),
      openedFailures: 3,
      halfOpenAt: at(18_000),
      lastError: error,
    });
  });

  it("gates attempts: run while closed, defer while open, claim after the cool-down", () => {
    expect(gateOf(null, settings, "j1", at(0))).toEqual({ kind: "run" });
    expect(gateOf(closed, settings, "j1", at(0))).toEqual({ kind: "run" });
    const open: BreakerRecord = {
      ...closed,
      state: "OPEN",
      openedAt: at(0),
      halfOpenAt: at(5_000),
    };
    expect(gateOf(open, settings, "j1", at(4_999))).toEqual({
      kind: "defer",
      until: at(5_000),
      breaker: open,
    });
    expect(gateOf(open, settings, "j1", at(5_000))).toEqual({ kind: "claim" });
  });

  it("lets halfOpenProbes probes through; a redelivered probe is still the probe; an expired place frees", () => {
    const open: BreakerRecord = {
      ...closed,
      state: "OPEN",
      openedAt: at(0),
      halfOpenAt: at(5_000),
    };
    const one = { ...withProbe(open, settings, "j1", at(5_000)), version: 2 };
    expect(one.state).toBe("HALF_OPEN");
    expect(one.probes).toEqual([{ jobId: "j1", until: at(65_000) }]);
    expect(gateOf(one, settings, "j1", at(6_000))).toEqual({ kind: "probe" });
    expect(gateOf(one, settings, "j2", at(6_000))).toEqual({ kind: "claim" });
    const two = { ...withProbe(one, settings, "j2", at(6_000)), version: 3 };
    // Full: a third waits for a place or another cool-down, whichever is first.
    expect(gateOf(two, settings, "j3", at(7_000))).toMatchObject({
      kind: "defer",
      until: at(12_000),
    });
    expect(gateOf(two, settings, "j3", at(65_000))).toEqual({ kind: "claim" });
    expect(closesOnSuccess(two, "j2")).toBe(true);
    expect(closesOnSuccess(two, "j3")).toBe(false);
  });

  it("a failure while half-open re-opens for another cool-down", () => {
    const half: BreakerRecord = {
      ...closed,
      state: "HALF_OPEN",
      openedAt: at(0),
      halfOpenAt: at(5_000),
      probes: [{ jobId: "j1", until: at(65_000) }],
    };
    const { write, opened } = afterFailure(half, settings, error, at(6_000));
    expect(opened).toBe(true);
    expect(write).toMatchObject({
      state: "OPEN",
      openedAt: at(6_000),
      halfOpenAt: at(11_000),
      probes: [],
    });
  });
});
