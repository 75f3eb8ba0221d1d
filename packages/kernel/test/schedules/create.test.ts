/** `schedules.create`, `schedules.list`, `schedules.delete`: validation with typed errors naming the field. */
import { describe, expect, it } from "vitest";
import { scheduleKernel } from "./support.js";

const base = {
  type: "schedules.create",
  scheduleId: "nightly",
  workflowId: "report",
  cron: "0 3 * * *",
  input: { n: 1 },
} as const;

describe("schedules.create", () => {
  it("creates a schedule with its first slot, and lists it with its next fire times", async () => {
    const t = scheduleKernel("2026-01-01T12:00:00.000Z");
    expect(await t.kernel.dispatch({ ...base, timezone: "Europe/Berlin" })).toEqual({
      scheduleId: "nightly",
      nextFireAt: new Date("2026-01-02T02:00:00.000Z"),
    });
    const { schedules } = await t.kernel.dispatch({ type: "schedules.list", upcoming: 2 });
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({
      id: "nightly",
      workflowId: "report",
      timezone: "Europe/Berlin",
      overlap: "skip",
      catchUp: "latest",
      paused: false,
      input: { n: 1 },
      upcoming: [new Date("2026-01-02T02:00:00.000Z"), new Date("2026-01-03T02:00:00.000Z")],
    });
  });

  const refused: Array<[string, Record<string, unknown>, string, string]> = [
    ["an unknown workflow", { workflowId: "nope" }, "WORKFLOW_NOT_FOUND", ""],
    ["input the workflow refuses", { input: { n: "one" } }, "INVALID_INPUT", "input.n"],
    ["a cron expression with a bad field", { cron: "61 * * * *" }, "INVALID_CRON", "cron"],
    ["a cron expression of 4 fields", { cron: "* * * *" }, "INVALID_CRON", "cron"],
    [
      "a cron expression that never fires again",
      { cron: "0 0 1 1 * 2020" },
      "INVALID_CRON",
      "cron",
    ],
    ["an unknown time zone", { timezone: "Mars/Olympus_Mons" }, "INVALID_TIMEZONE", "timezone"],
    ["an unknown overlap policy", { overlap: "queue" }, "INVALID_COMMAND", "overlap"],
    ["an unknown catch-up policy", { catchUp: "some" }, "INVALID_COMMAND", "catchUp"],
  ];
  for (const [what, change, code, field] of refused) {
    it(`refuses ${what} (${code}), and stores nothing`, async () => {
      const t = scheduleKernel();
      const error = await t.kernel.dispatch({ ...base, ...change } as never).catch((e) => e);
      expect(error).toMatchObject({ code });
      if (field) expect(error.field).toBe(field);
      expect(await t.persistence.listSchedules({ limit: 10 })).toEqual([]);
    });
  }

  it("refuses a taken id (SCHEDULE_EXISTS) and leaves the first schedule as it was", async () => {
    const t = scheduleKernel();
    await t.kernel.dispatch(base);
    await expect(t.kernel.dispatch({ ...base, cron: "* * * * *" })).rejects.toMatchObject({
      code: "SCHEDULE_EXISTS",
      field: "scheduleId",
    });
    expect((await t.persistence.getSchedule("nightly"))?.cron).toBe("0 3 * * *");
  });

  it("creates a paused schedule without a next fire time", async () => {
    const t = scheduleKernel();
    expect(await t.kernel.dispatch({ ...base, paused: true })).toEqual({
      scheduleId: "nightly",
      nextFireAt: null,
    });
  });

  it("deletes a schedule; SCHEDULE_NOT_FOUND for one that does not exist", async () => {
    const t = scheduleKernel();
    await t.kernel.dispatch(base);
    expect(await t.kernel.dispatch({ type: "schedules.delete", scheduleId: "nightly" })).toEqual({
      scheduleId: "nightly",
      deleted: true,
    });
    for (const type of ["schedules.delete", "schedules.pause", "schedules.resume"] as const) {
      await expect(t.kernel.dispatch({ type, scheduleId: "nightly" })).rejects.toMatchObject({
        code: "SCHEDULE_NOT_FOUND",
        field: "scheduleId",
      });
    }
  });

  it("updates a schedule: a new expression moves its next fire time; bad values are refused", async () => {
    const t = scheduleKernel("2026-01-01T12:00:00.000Z");
    await t.kernel.dispatch(base);
    expect(
      await t.kernel.dispatch({
        type: "schedules.update",
        scheduleId: "nightly",
        cron: "0 * * * *",
        input: { n: 2 },
        overlap: "allow",
      }),
    ).toEqual({ scheduleId: "nightly", nextFireAt: new Date("2026-01-01T13:00:00.000Z") });
    expect(await t.persistence.getSchedule("nightly")).toMatchObject({
      cron: "0 * * * *",
      input: { n: 2 },
      overlap: "allow",
      catchUp: "latest",
    });
    const update = { type: "schedules.update", scheduleId: "nightly" } as const;
    await expect(t.kernel.dispatch({ ...update, cron: "0 25 * * *" })).rejects.toMatchObject({
      code: "INVALID_CRON",
      field: "cron",
    });
    await expect(t.kernel.dispatch({ ...update, timezone: "Nowhere/Else" })).rejects.toMatchObject({
      code: "INVALID_TIMEZONE",
      field: "timezone",
    });
    await expect(t.kernel.dispatch({ ...update, input: { n: "x" } })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(
      t.kernel.dispatch({ ...update, scheduleId: "missing", priority: 1 }),
    ).rejects.toMatchObject({ code: "SCHEDULE_NOT_FOUND" });
    expect((await t.persistence.getSchedule("nightly"))?.cron).toBe("0 * * * *");
  });

  it("lists schedules a page at a time", async () => {
    const t = scheduleKernel();
    for (const id of ["c", "a", "b"]) await t.kernel.dispatch({ ...base, scheduleId: id });
    const first = await t.kernel.dispatch({ type: "schedules.list", limit: 2 });
    expect(first.schedules.map((s) => s.id)).toEqual(["a", "b"]);
    expect(first.nextCursor).toBe("b");
    const rest = await t.kernel.dispatch({ type: "schedules.list", afterId: "b" });
    expect(rest.schedules.map((s) => s.id)).toEqual(["c"]);
    expect(rest.nextCursor).toBeUndefined();
  });
});
