/**
 * A cron schedule of a singleton ("skip") workflow: a slot that comes while the key's run is
 * active starts nothing (not counted as fired) and names the active run.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../src/index.js";
import { createTestKernel } from "../../src/testing/index.js";
import { minute, tick } from "./support.js";

const single = defineWorkflow({
  id: "single",
  name: "Single",
  input: z.object({ n: z.number() }),
  output: z.any(),
  singleton: { mode: "skip" },
})
  .sleep("hold", 60 * 60_000)
  .build();

describe("schedules.fireDue of a singleton", () => {
  it("a slot while the singleton's run is active starts nothing", async () => {
    const t = createTestKernel({ workflows: [single] });
    t.clock.set(new Date(minute(0)));
    await t.kernel.dispatch({
      type: "schedules.create",
      scheduleId: "s",
      workflowId: "single",
      cron: "*/5 * * * *",
      input: { n: 1 },
      overlap: "allow",
    });
    t.clock.advance(5 * 60_000);
    expect(await tick(t)).toMatchObject({ fired: 1 });
    const [first] = await t.persistence.listRuns({ workflowId: "single", limit: 10 });
    t.clock.advance(5 * 60_000);
    expect(await tick(t)).toMatchObject({ schedules: 1, fired: 0 });
    expect(await t.persistence.listRuns({ workflowId: "single", limit: 10 })).toHaveLength(1);
    expect((await t.persistence.getSchedule("s"))?.lastRunId).toBe(first?.id);
  });
});
