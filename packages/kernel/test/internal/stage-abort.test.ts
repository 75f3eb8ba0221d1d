import { describe, expect, it } from "vitest";
import { StageAbort } from "../../src/internal/stage/abort.js";

describe("StageAbort", () => {
  it("creates no signal until asked, and an abort before that shows on the signal", () => {
    const abort = new StageAbort();
    expect(abort.aborted).toBe(false);
    abort.abort("cancelled");
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe("cancelled");
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe("cancelled");
  });

  it("follows the host's signal, before and after the stage reads ctx.signal", () => {
    const before = new AbortController();
    const early = new StageAbort(before.signal);
    before.abort("shutdown");
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe("shutdown");
    expect(early.signal.reason).toBe("shutdown");

    const after = new AbortController();
    const late = new StageAbort(after.signal);
    const signal = late.signal;
    let heard: unknown;
    signal.addEventListener("abort", () => {
      heard = signal.reason;
    });
    after.abort("timeout");
    expect(heard).toBe("timeout");
    expect(late.aborted).toBe(true);
  });

  it("keeps the first reason", () => {
    const abort = new StageAbort();
    const signal = abort.signal;
    abort.abort("first");
    abort.abort("second");
    expect(signal.reason).toBe("first");
    expect(abort.reason).toBe("first");
  });
});
