import { describe, expect, it } from "vitest";
import { StageAbort } from "../../src/internal/stage/abort.js";
import { InFlightRegistry } from "../../src/internal/stage/in-flight.js";

describe("InFlightRegistry", () => {
  it("aborts a registered job and the stages of a run, never an unregistered one", () => {
    const registry = new InFlightRegistry();
    const a = new StageAbort();
    const b = new StageAbort();
    const c = new StageAbort();
    const d = new StageAbort();
    const offA = registry.register("run-1", "job-a", a);
    registry.register("run-1", "job-b", b);
    const offC = registry.register("run-2", "job-c", c);
    const offD = registry.register("run-2", "job-d", d);
    offA(); // job-d takes job-a's place in the list
    offA(); // a second call changes nothing
    expect(registry.size).toBe(3);
    offD(); // from its new place
    expect(registry.size).toBe(2);
    expect(registry.abortJob("job-d", "lease-lost", "lost")).toBe(false);
    registry.register("run-2", "job-d", d);
    expect(registry.abortJob("job-a", "lease-lost", "lost")).toBe(false);
    expect(a.aborted).toBe(false);

    expect(registry.abortRun("run-2", "cancelled", "stop")).toBe(2);
    expect([c.aborted, d.aborted, b.aborted]).toEqual([true, true, false]);
    expect(registry.causeOf(d)).toBe("cancelled");

    offC();
    expect(registry.abortJob("job-c", "lease-lost", "lost")).toBe(false);
    expect(registry.abortJob("job-d", "lease-lost", "lost")).toBe(true);
    expect(registry.causeOf(d)).toBe("cancelled"); // the first abort's cause stays
    expect(registry.abortJob("job-b", "lease-lost", "lost")).toBe(true);
    expect(registry.causeOf(b)).toBe("lease-lost");
    expect(registry.size).toBe(2);
  });

  it("keeps every execution of a job delivered twice, and each unregisters only itself", () => {
    const registry = new InFlightRegistry();
    const first = new StageAbort();
    const second = new StageAbort();
    const offFirst = registry.register("run-1", "job-a", first);
    registry.register("run-1", "job-a", second);
    offFirst();
    expect(registry.abortJob("job-a", "lease-lost", "lost")).toBe(true);
    expect([first.aborted, second.aborted]).toEqual([false, true]);
  });
});
