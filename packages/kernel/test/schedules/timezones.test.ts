/**
 * Schedules read their cron expression in their IANA time zone, daylight-saving changes
 * included (Europe/Berlin: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00).
 */
import { describe, expect, it } from "vitest";
import { compileCron } from "../../src/index.js";
import { firedSlots, scheduleKernel, tick } from "./support.js";

describe("schedules in a time zone", () => {
  it("fires a daily 02:30 Berlin schedule at 02:30 local time, and at 03:00 on the day 02:30 does not exist", async () => {
    const t = scheduleKernel("2026-03-27T12:00:00.000Z");
    await t.kernel.dispatch({
      type: "schedules.create",
      scheduleId: "berlin",
      workflowId: "report",
      cron: "30 2 * * *",
      timezone: "Europe/Berlin",
      input: { n: 1 },
      overlap: "allow",
    });
    const { schedules } = await t.kernel.dispatch({ type: "schedules.list", upcoming: 3 });
    expect(schedules[0]?.upcoming.map((d) => d.toISOString())).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
    for (let day = 0; day < 3; day++) {
      t.clock.advance(24 * 60 * 60_000);
      expect(await tick(t)).toMatchObject({ fired: 1 });
    }
    expect(await firedSlots(t, "berlin")).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("fires a fixed time once when the clock falls back, an hourly interval on both occurrences", () => {
    const after = new Date("2026-10-24T22:00:00.000Z");
    expect(
      compileCron("30 2 * * *", "Europe/Berlin")
        .nextTimes(after, 2)
        .map((d) => d.toISOString()),
    ).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    expect(
      compileCron("0 * * * *", "Europe/Berlin")
        .nextTimes(after, 5)
        .map((d) => d.toISOString()),
    ).toEqual([
      "2026-10-24T23:00:00.000Z", // 01:00 CEST
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T01:00:00.000Z", // 02:00 CET, the repeated hour
      "2026-10-25T02:00:00.000Z", // 03:00 CET
      "2026-10-25T03:00:00.000Z",
    ]);
  });

  it("reads the same expression differently in another zone", () => {
    const after = new Date("2026-06-01T00:00:00.000Z");
    const at9 = (zone: string) => compileCron("0 9 * * *", zone).nextAfter(after)?.toISOString();
    expect(at9("UTC")).toBe("2026-06-01T09:00:00.000Z");
    expect(at9("America/New_York")).toBe("2026-06-01T13:00:00.000Z");
    expect(at9("Asia/Tokyo")).toBe("2026-06-02T00:00:00.000Z");
  });
});
