/**
 * Exactly once across workers: two kernels over one in-memory store tick the schedules at the
 * same moments; every slot of an every-second schedule starts exactly one run.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryStack } from "../../src/in-memory/index.js";
import { FakeClock } from "../../src/testing/fake-clock.js";
import { createTestKernel } from "../../src/testing/index.js";
import { firedSlots, reportWorkflow, tick } from "./support.js";

describe("schedules fired by several kernels", () => {
  it("two kernels ticking together never fire a slot twice, and miss none", async () => {
    const stack = createInMemoryStack();
    const clock = new FakeClock(new Date("2026-01-01T00:00:00.000Z"));
    const kernels = ["a", "b"].map(() =>
      createTestKernel({
        workflows: [reportWorkflow],
        clock,
        persistence: stack.persistence,
        jobTransport: stack.jobTransport,
        scheduler: stack.scheduler,
        queries: stack.queries,
      }),
    );
    const [a, b] = kernels as [(typeof kernels)[0], (typeof kernels)[0]];
    await a.kernel.dispatch({
      type: "schedules.create",
      scheduleId: "every-second",
      workflowId: "report",
      cron: "* * * * * *",
      input: { n: 1 },
      overlap: "allow",
      catchUp: "all",
    });
    let fired = 0;
    for (let i = 0; i < 120; i++) {
      clock.advance(i % 7 === 0 ? 2_300 : 400);
      const [ra, rb] = await Promise.all([tick(a, "a"), tick(b, "b")]);
      fired += ra.fired + rb.fired;
    }
    const slots = await firedSlots(stack, "every-second");
    expect(new Set(slots).size).toBe(slots.length);
    const start = Date.parse("2026-01-01T00:00:01.000Z");
    const last = Math.floor(clock.now().getTime() / 1_000) * 1_000;
    expect(slots).toEqual(
      Array.from({ length: (last - start) / 1_000 + 1 }, (_, i) =>
        new Date(start + i * 1_000).toISOString(),
      ),
    );
    expect(fired).toBe(slots.length);
  });
});
