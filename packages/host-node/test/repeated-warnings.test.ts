/**
 * `RepeatedWarnings` on a fake clock: the first failure of a key is logged, its repeats within
 * the interval are counted, the first one after it is logged with the count, and the recovery
 * is logged once with the number of failures.
 */
import { createKernel, createRegistry } from "@ratchet/kernel";
import { CollectingEventSink, createInMemoryStack } from "@ratchet/kernel/testing";
import { describe, expect, it } from "vitest";
import { createNodeHost } from "../src/index.js";
import { RepeatedWarnings } from "../src/repeated-warnings.js";

function setup(intervalMs = 60_000) {
  let now = 0;
  const lines: { message: string; details: unknown }[] = [];
  const warnings = new RepeatedWarnings(
    {
      warn: (message, details) => lines.push({ message, details }),
      error: () => expect.unreachable("errors are not rate-limited here"),
    },
    { intervalMs, prefix: "[host]", now: () => now },
  );
  return {
    warnings,
    lines,
    messages: () => lines.map((line) => line.message),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("RepeatedWarnings", () => {
  it("logs a key's first failure, counts its repeats, and logs them once per interval", () => {
    const { warnings, lines, messages, advance } = setup();
    const error = new Error("SQLITE_FULL");
    warnings.warn("dequeue", "dequeue failed", error);
    for (let i = 0; i < 99; i++) {
      advance(100); // 10 failures a second
      warnings.warn("dequeue", "dequeue failed", error);
    }
    expect(messages()).toEqual(["dequeue failed"]);
    expect(lines[0]?.details).toBe(error);
    advance(50_100); // 60.0 s after the first line
    warnings.warn("dequeue", "dequeue failed", error);
    expect(messages()).toEqual([
      "dequeue failed",
      "dequeue failed (repeated 100 times in the last 60.0 s)",
    ]);
    expect(lines[1]?.details).toBe(error);
  });

  it("logs the recovery once, with how many failures there were and how many went unlogged", () => {
    const { warnings, messages, advance } = setup();
    for (let i = 0; i < 5; i++) {
      warnings.warn("heartbeat", "heartbeat failed");
      advance(1_000);
    }
    warnings.ok("heartbeat");
    warnings.ok("heartbeat");
    expect(messages()).toEqual([
      "heartbeat failed",
      "[host] heartbeat works again after 5 failures in 5.0 s; 4 repeats in the last 5.0 s were not logged",
    ]);
    expect(warnings.failingKeys).toEqual([]);
  });

  it("stays silent for a key that never failed, and keeps keys apart", () => {
    const { warnings, messages, advance } = setup();
    warnings.ok("dequeue");
    warnings.warn("maintenance duty claim", "claim failed");
    warnings.warn("maintenance duty outbox", "outbox failed");
    advance(10);
    warnings.warn("maintenance duty claim", "claim failed");
    warnings.ok("maintenance duty outbox");
    expect(messages()).toEqual([
      "claim failed",
      "outbox failed",
      "[host] maintenance duty outbox works again after 1 failure in 0.0 s",
    ]);
    expect(warnings.failingKeys).toEqual(["maintenance duty claim"]);
  });

  it("logs a repeat after the interval plainly when none was held back", () => {
    const { warnings, messages, advance } = setup(1_000);
    warnings.warn("dequeue", "dequeue failed");
    advance(5_000);
    warnings.warn("dequeue", "dequeue failed");
    expect(messages()).toEqual(["dequeue failed", "dequeue failed"]);
  });

  it("flush() logs the repeats held back so far (as the host stops)", () => {
    const { warnings, messages, advance } = setup();
    warnings.warn("dequeue", "dequeue failed: 1");
    advance(2_000);
    warnings.warn("dequeue", "dequeue failed: 2");
    advance(2_000);
    warnings.warn("dequeue", "dequeue failed: 3");
    warnings.flush();
    warnings.flush();
    expect(messages()).toEqual([
      "dequeue failed: 1",
      "dequeue failed: 3 (repeated 2 times in the last 4.0 s)",
    ]);
  });

  it("with an interval of 0 logs every warning", () => {
    const { warnings, messages } = setup(0);
    for (let i = 0; i < 3; i++) warnings.warn("dequeue", "dequeue failed");
    expect(messages()).toEqual(["dequeue failed", "dequeue failed", "dequeue failed"]);
  });

  it("an hour of 100 failures a second costs one line a minute and one for the recovery", () => {
    const { warnings, messages, advance } = setup();
    for (let i = 0; i < 360_000; i++) {
      warnings.warn("dequeue", "dequeue failed");
      advance(10);
    }
    warnings.ok("dequeue");
    expect(messages()).toHaveLength(61);
    expect(messages()[1]).toBe("dequeue failed (repeated 6000 times in the last 60.0 s)");
    expect(messages()[60]).toBe(
      "[host] dequeue works again after 360000 failures in 3,600 s; 5999 repeats in the last 60.0 s were not logged",
    );
  });

  it("the host rejects a repeatedWarningIntervalMs that is not a whole number of ms ≥ 0", () => {
    const stack = createInMemoryStack();
    const kernel = createKernel({
      ...stack,
      eventSink: new CollectingEventSink(),
      registry: createRegistry([]),
    });
    for (const repeatedWarningIntervalMs of [-1, 1.5, Number.NaN]) {
      expect(() =>
        createNodeHost({ kernel, jobTransport: stack.jobTransport, repeatedWarningIntervalMs }),
      ).toThrow(
        expect.objectContaining({
          code: "INVALID_HOST_OPTIONS",
          field: "repeatedWarningIntervalMs",
        }),
      );
    }
    expect(() =>
      createNodeHost({ kernel, jobTransport: stack.jobTransport, repeatedWarningIntervalMs: 0 }),
    ).not.toThrow();
  });
});
